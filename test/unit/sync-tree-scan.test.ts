import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanTree } from '../../app/sync/tree-scan.js';
import { createIgnoreMatcher } from '../../app/sync/ignore-rules.js';

describe('scanTree', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-scan-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('lists every regular file with size and mtime, skips ignored ones, and never follows symlinks', async () => {
    const root = join(base, 'root');
    const outside = join(base, 'outside');
    await mkdir(join(root, 'a/b/c'), { recursive: true });
    await mkdir(join(root, '.git'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'nope');
    await writeFile(join(root, 'top.txt'), '1');
    await writeFile(join(root, 'a/b/c/deep.bin'), '12345');
    await writeFile(join(root, 'a/.DS_Store'), 'x');
    await writeFile(join(root, '.git/HEAD'), 'ref');
    await symlink(outside, join(root, 'link-out'));
    await symlink(join(outside, 'secret.txt'), join(root, 'a/file-link'));
    const files: [string, number][] = [];
    const skipped: string[] = [];
    const m = createIgnoreMatcher();
    const totals = await scanTree(root, '', {
      file: (rel, size) => files.push([rel, size]),
      error: (rel) => { throw new Error(`unexpected error at ${rel}`); },
      skipped: (rel) => skipped.push(rel),
    }, { ignored: (r) => m.ignored(r) });
    expect(files.sort()).toEqual([['a/b/c/deep.bin', 5], ['top.txt', 1]]);
    expect(skipped.sort()).toEqual(['a/file-link', 'link-out']);
    expect(totals).toEqual({ files: 2, dirs: 4, errors: 0 });
  });

  it('walks only the requested subfolder and reports a missing one as an error naming it', async () => {
    await mkdir(join(base, 'x/y'), { recursive: true });
    await writeFile(join(base, 'x/y/f'), 'f');
    await writeFile(join(base, 'g'), 'g');
    const files: string[] = [];
    await scanTree(base, 'x', { file: (r) => files.push(r), error: () => undefined });
    expect(files).toEqual(['x/y/f']);
    const errors: string[] = [];
    await scanTree(base, 'nope', { file: () => undefined, error: (rel, e) => errors.push(`${rel}: ${e.code}: ${e.message}`) });
    expect(errors).toEqual(["nope: file-missing: Cannot read folder 'nope': it does not exist"]);
  });
});
