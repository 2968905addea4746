// Fault row 24: Windows rename errors (EPERM/EBUSY from scanners and indexers, EXDEV) through an
// injected fs facade. A transient lock is retried briefly; a lasting one ends in a clear error
// within a few seconds; the old file is left whole and nothing falls back to a non-atomic write.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, type RenameFacade } from '../../app/node/atomic-file.js';

const fail = (code: string): Error => Object.assign(new Error(`${code}: operation not permitted, rename`), { code });

describe('row 24: atomic writes under Windows rename errors', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-rename-'));
    file = join(dir, 'targets.json');
    await fsp.writeFile(file, 'old');
  });
  afterEach(async () => { await fsp.rm(dir, { recursive: true, force: true }); });
  const leftovers = async () => (await fsp.readdir(dir)).filter((n) => n !== 'targets.json');

  it('retries a rename that fails with EPERM, then EBUSY, and saves', async () => {
    const codes = ['EPERM', 'EBUSY'];
    const fs: RenameFacade = { rename: async (a, b) => { const c = codes.shift(); if (c) throw fail(c); await fsp.rename(a, b); } };
    await writeFileAtomic(file, 'new', fs);
    expect(await fsp.readFile(file, 'utf8')).toBe('new');
    expect(await leftovers()).toEqual([]);
  });

  it('gives up on a lasting lock within 5 s with an error naming the file, old content intact', async () => {
    let calls = 0;
    const fs: RenameFacade = { rename: async () => { calls++; throw fail('EBUSY'); } };
    const t0 = Date.now();
    await expect(writeFileAtomic(file, 'new', fs)).rejects.toThrow(new RegExp(`cannot save ${file.replace(/[.\\]/g, '\\$&')}: EBUSY`));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(calls).toBeGreaterThan(1);
    expect(await fsp.readFile(file, 'utf8')).toBe('old');
    expect(await leftovers()).toEqual([]);
  });

  it('EXDEV is not retried and never falls back to writing the file in place', async () => {
    let calls = 0;
    const fs: RenameFacade = { rename: async () => { calls++; throw fail('EXDEV'); } };
    await expect(writeFileAtomic(file, 'new', fs)).rejects.toThrow(/EXDEV/);
    expect(calls).toBe(1);
    expect(await fsp.readFile(file, 'utf8')).toBe('old');
    expect(await leftovers()).toEqual([]);
  });
});
