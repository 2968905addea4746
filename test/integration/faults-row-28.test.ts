// Fault catalogue row 28 through the real engine (tus): after chunk 2 the local file is deleted,
// replaced by a symlink to a file outside, or made unreadable. What Ferry does today (proven
// here): it keeps reading the file it opened (POSIX keeps an unlinked or re-permissioned open
// file readable), so the upload completes with exactly the bytes of the file it started with;
// the link is never followed and nothing of its target is sent; no crash. The catalogue's
// "clear error, session cancelled" for these cases is NOT what happens (see docs/fault-catalogue.md).
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../helpers/engine-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function actingAfterChunk2(act: (path: string, r: Rig) => void): Promise<{ r: Rig; path: string }> {
  let path = '';
  let done = false;
  const r = await startRig('tus', {
    afterChunk: (_t, off) => {
      if (!done && off === 2 * r.c.chunkSize) {
        done = true;
        act(path, r);
      }
    },
  });
  path = await r.makeFile('moving.bin', 4 * r.c.chunkSize);
  return { r, path };
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** The server holds exactly one file, byte-identical to what the local file was when the upload began. */
async function holdsOriginal(r: Rig, original: string): Promise<void> {
  const stored = await r.emu.files();
  expect(stored).toHaveLength(1);
  expect(stored[0]!.sha256).toBe(original);
}

describe('row 28: the file is deleted, replaced by a symlink or made unreadable mid-upload', () => {
  it('deleted: the open file is read to the end (POSIX keeps it), the upload is whole and matches what was started', async () => {
    const { r, path } = await actingAfterChunk2((p) => rmSync(p));
    rig = r;
    const original = sha(path);
    const v = await r.upload(path);
    // The bytes still come from the file Ferry opened: what arrives is exactly that file.
    expect(v.state.kind).toBe('done');
    await holdsOriginal(r, original);
  });

  it('replaced by a symlink to a secret outside: the link is never followed, nothing of the secret is sent', async () => {
    const secret = 'TOP-SECRET-CONTENT-'.repeat(10);
    const { r, path } = await actingAfterChunk2((p, rr) => {
      const outside = join(rr.home, '..', 'secret.txt');
      writeFileSync(outside, secret);
      rmSync(p);
      symlinkSync(outside, p);
    });
    rig = r;
    const original = sha(path);
    const v = await r.upload(path);
    expect(v.state.kind).toBe('done');
    await holdsOriginal(r, original);
    expect(r.emu.requests().some((q) => q.bytes === secret.length)).toBe(false);
  });

  it.skipIf(process.getuid?.() === 0)(`made unreadable: a clear result, no crash${process.getuid?.() === 0 ? ' (skipped: running as root, which reads every file)' : ''}`, async () => {
    const { r, path } = await actingAfterChunk2((p) => chmodSync(p, 0o000));
    rig = r;
    const original = sha(path);
    const v = await r.upload(path);
    expect(v.state.kind).toBe('done');
    await holdsOriginal(r, original);
    chmodSync(path, 0o600);
  });
});
