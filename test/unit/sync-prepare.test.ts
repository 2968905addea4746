import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mapLimit, prepareUpload } from '../../app/sync/prepare-upload.js';

describe('prepareUpload', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-prep-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const statOf = async (name: string) => {
    const s = await stat(join(dir, name));
    return { size: s.size, mtimeMs: s.mtimeMs };
  };
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');

  it('hashes a new file and asks for its upload', async () => {
    await writeFile(join(dir, 'a'), 'hello');
    expect(await prepareUpload(dir, 'a', await statOf('a'), undefined)).toEqual({ kind: 'upload', path: 'a', stat: await statOf('a'), hash: sha('hello'), reason: 'new' });
  });

  it('tells a touch (same bytes, new mtime) from an edit of the same size', async () => {
    await writeFile(join(dir, 'a'), 'hello');
    const entry = { size: 5, mtimeMs: 1, hash: sha('hello'), remote: '/a' };
    const touched = await prepareUpload(dir, 'a', await statOf('a'), entry);
    expect(touched).toEqual({ kind: 'unchanged', path: 'a', entry: { ...entry, mtimeMs: (await statOf('a')).mtimeMs } });
    await writeFile(join(dir, 'a'), 'HELLO');
    const edited = await prepareUpload(dir, 'a', await statOf('a'), entry);
    expect(edited).toMatchObject({ kind: 'upload', reason: 'changed', hash: sha('HELLO') });
  });

  it('does not read a file above the hash limit, so a touch of it is treated as a change', async () => {
    await writeFile(join(dir, 'big'), '0123456789');
    const p = await prepareUpload(dir, 'big', await statOf('big'), undefined, 4);
    expect(p).toMatchObject({ kind: 'upload', hash: '' });
    const entry = { size: 10, mtimeMs: 1, hash: '', remote: '/big' };
    expect(await prepareUpload(dir, 'big', await statOf('big'), entry, 4)).toMatchObject({ kind: 'upload', reason: 'changed' });
  });

  it('sends a file that changed since its stat back to settle, and reports one that vanished', async () => {
    await writeFile(join(dir, 'a'), 'hello');
    const before = await statOf('a');
    const later = new Date(Date.now() + 10_000);
    await utimes(join(dir, 'a'), later, later);
    expect(await prepareUpload(dir, 'a', before, undefined)).toEqual({ kind: 'unsettled', path: 'a', stat: await statOf('a') });
    expect(await prepareUpload(dir, 'nope', before, undefined)).toEqual({ kind: 'gone', path: 'nope' });
  });

  it('mapLimit keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});
