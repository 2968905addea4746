// Synapse needs the file's MD5 before the session (the multipart request) and each part's MD5
// with addPart. Both come from the one preparing read (the request fixes the part size): once the
// first part is on the wire the engine hashes nothing, every byte is hashed exactly twice in all
// (the file's MD5 and its part's MD5), and a resume after a relaunch reuses the part MD5s the
// journal kept instead of hashing again.
import { afterEach, describe, expect, it } from 'vitest';
import { isData } from '../helpers/invariants.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const sum = (xs: { bytes: number }[]): number => xs.reduce((a, x) => a + x.bytes, 0);

describe('synapse: part MD5s from the preparing pass', () => {
  it('the upload pass hashes no byte: all hashing is done before the first part PUT, each byte hashed twice (file MD5 + part MD5)', async () => {
    rig = await startRig('synapse');
    const size = 4 * rig.c.chunkSize + 1234;
    const v = await rig.upload(await rig.makeFile('parts.bin', size));
    expect(v.state).toMatchObject({ kind: 'done', verified: true });
    const firstPut = rig.dataRequests()[0]!.seq;
    const log = rig.hashLog();
    expect(sum(log.filter((e) => e.afterRequests > firstPut))).toBe(0);
    expect(sum(log)).toBe(2 * size);
    // The part MD5s went to the journal with the file's (5 parts: small enough to keep).
    const recs = rig.journal.written.get(v.id)!;
    expect(recs.at(-1)!.chunkDigests).toMatchObject({ chunkSize: rig.c.chunkSize, size });
    expect(recs.at(-1)!.chunkDigests!.digests.md5).toHaveLength(5);
    await rig.check();
  });

  it('a relaunch in the middle resumes with the journal\'s part MD5s: nothing is hashed again', async () => {
    rig = await startRig('synapse');
    const size = 5 * rig.c.chunkSize + 7;
    const p = await rig.makeFile('resume.bin', size);
    let parts = 0;
    const held = rig.http.hold((r) => isData('synapse', r) && ++parts === 3);
    const t = await rig.add(p);
    await held.held;
    const before = rig.hashLog().length;
    await rig.restartEngine();
    held.release();
    const v = await rig.engine.settled(t.id);
    expect(v.state).toMatchObject({ kind: 'done', verified: true });
    expect(sum(rig.hashLog().slice(before))).toBe(0);
    await rig.check();
  });
});
