// provider-docs/synapse-multipart-design.txt: after a long upload the entity creation fails on a
// name conflict; the user picks another name, and the restarted upload finishes at once because
// the identical multipart request comes back COMPLETED with its file handle. Through the engine:
// no part is sent again and the MD5 is not recomputed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { providerCase, startRig, type Rig } from '../helpers/engine-rig.js';

const c = providerCase('synapse');
let h: Rig;
beforeAll(async () => {
  h = await startRig(c, { progressWriteMs: 1_000 });
});
afterAll(async () => {
  await h?.close();
});

it('a name conflict, then another name: done without re-sending parts or re-hashing', async () => {
  // Someone else's file already has the name.
  const other = await h.makeFile('other.bin', 1000);
  expect((await h.upload(other, 'report.bin')).state.kind).toBe('done');
  // Ours is fine locally, but its entity name is taken: 'fail' policy.
  h.target.conflict = 'fail';
  const big = await h.makeFile('big.bin', 6 * c.chunkSize + 5);
  const first = await h.upload(big, 'report.bin');
  expect(first.state.kind).toBe('failed');
  expect(first.state.kind === 'failed' && first.state.error.code).toBe('name-conflict');
  expect(first.state.kind === 'failed' && first.state.error.message).toMatch(/report\.bin/);
  const bytesAfterFirst = h.stats().bytesReceived;
  const hashedAfterFirst = h.hashedBytes();

  const second = await h.upload(big, 'report-2.bin');
  expect(second.state.kind, JSON.stringify(second.state)).toBe('done');
  // The MD5 computed for the first name is reused: not one byte of the file is hashed again.
  expect(h.hashedBytes() - hashedAfterFirst).toBe(0);
  // No part went up again: only the small JSON bodies of start/complete/entity calls.
  expect(h.stats().bytesReceived - bytesAfterFirst).toBeLessThan(2_000);
  expect((await h.stored(big))?.path).toMatch(/report-2\.bin$/);
});
