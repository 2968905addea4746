// provider-docs/synapse-multipart-design.txt: after a long upload the entity creation fails on a
// name conflict; the user picks another name, and the restarted upload finishes at once because
// the identical multipart request comes back COMPLETED with its file handle. Through the engine:
// no part is sent again and the MD5 is not recomputed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CASES } from '../helpers/provider-cases.js';
import { startHarness, type Harness } from '../helpers/engine-harness.js';

const c = CASES.find((x) => x.id === 'synapse')!;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ ...c, client: { ...c.client } });
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

  const t0 = Date.now();
  const second = await h.upload(big, 'report-2.bin');
  expect(second.state.kind, JSON.stringify(second.state)).toBe('done');
  expect(Date.now() - t0).toBeLessThan(1_000);
  // No part went up again: only the small JSON bodies of start/complete/entity calls.
  expect(h.stats().bytesReceived - bytesAfterFirst).toBeLessThan(2_000);
  expect((await h.stored(big))?.path).toMatch(/report-2\.bin$/);
});
