// Fault catalogue row 29 through the real engine: the provider reports a whole-file hash that
// does not match the bytes Ferry read. The item must end failed:integrity, never done, and the
// local file must be left as it was.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../app/common/transfer.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('row 29: the provider reports a wrong hash after completion', () => {
  it.each([
    ['onedrive', { wrongQuickXorHash: true }, 'quickxor'],
    ['box', { wrongFileSha1: true }, 'sha1'],
  ] as [ProviderId, Record<string, unknown>, string][])('%s: failed:integrity naming both digests, not done, local file untouched', async (id, emulator, algorithm) => {
    rig = await startRig(id, { emulator });
    const p = await rig.makeFile('hash.bin', 2 * rig.c.chunkSize + 3);
    const before = createHash('sha256').update(await fsp.readFile(p)).digest('hex');
    const v = await rig.upload(p);
    expect(v.state.kind).toBe('failed');
    if (v.state.kind !== 'failed') return;
    expect(v.state.error.code).toBe('integrity');
    expect(v.state.error.message).toContain(p);
    expect(v.state.error.message).toContain(`server's ${algorithm}`);
    expect(v.state.error.message).toMatch(/not trusted/);
    expect(createHash('sha256').update(await fsp.readFile(p)).digest('hex')).toBe(before);
    // The server did commit the file (it is its report that is wrong): I1 allows that copy for this row only.
    expect(await rig.emu.files()).toHaveLength(1);
    await rig.check({ committedOnIntegrityFailure: true });
  });

  it('onedrive: a correct hash makes the item done and verified (the comparison is real)', async () => {
    rig = await startRig('onedrive');
    const v = await rig.upload(await rig.makeFile('good.bin', 2 * rig.c.chunkSize + 3));
    expect(v.state).toMatchObject({ kind: 'done', verified: true });
    await rig.check();
  });
});
