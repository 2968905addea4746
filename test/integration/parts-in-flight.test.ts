// Issue 12: Box and Synapse parts are independent, so the next part goes out while the previous
// one's answer is on its way (six in flight by default: parts stream from the file, so they cost
// no memory); a setting forces one at a time. The
// emulators see the overlap; the stored file is still byte-identical and a part counts only once
// the server confirmed it.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../app/common/transfer.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';
import { dataOffset, isData } from '../helpers/invariants.js';
import { waitFor } from '../helpers/wait-for.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Holds the first part on the wire and returns the data requests issued while it was held. */
async function whileFirstPartHeld(r: Rig, id: ProviderId, size: number): Promise<{ during: number; done: Awaited<ReturnType<Rig['upload']>> }> {
  const gate = r.http.hold((x) => isData(id, x));
  const p = await r.makeFile(`overlap-${id}.bin`, size);
  const t = await r.add(p);
  await gate.held;
  // Give the engine time to start whatever it would start beside the held part.
  await new Promise((res) => setTimeout(res, 300));
  const during = r.dataRequests().length;
  gate.release();
  const done = await r.engine.settled(t.id);
  expect(await r.stored(p), 'stored byte-identical').toBeDefined();
  return { during, done };
}

/** The most data requests that were on the wire at the same moment. */
function maxOverlap(rs: { startedMs: number; endedMs?: number }[]): number {
  const ev = rs.flatMap((r) => [[r.startedMs, 1], [r.endedMs ?? Infinity, -1]] as [number, number][]);
  // At equal times the end is counted first: a part that starts as another ends does not overlap it.
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let n = 0;
  let max = 0;
  for (const [, d] of ev) max = Math.max(max, (n += d));
  return max;
}

describe('parts in flight (Box, Synapse)', () => {
  it.each(['box', 'synapse'] as ProviderId[])('%s: a second part goes out while the first is unanswered; the file is stored exact', async (id) => {
    rig = await startRig(id);
    const cs = rig.c.chunkSize;
    const { during, done } = await whileFirstPartHeld(rig, id, 5 * cs + 7);
    expect(done.state.kind, JSON.stringify(done.state)).toBe('done');
    // The other parts went out and were confirmed while the first one was unanswered...
    expect(during).toBe(6);
    // ...as many at once as the window allows: six streamed parts, four for Box (its guide says 3–5).
    expect(maxOverlap(rig.dataRequests())).toBe(id === 'box' ? 4 : 6);
    // Each part sent exactly once (Synapse's presigned part URLs carry no offset: the count tells).
    expect(rig.dataRequests()).toHaveLength(6);
    if (id === 'box') expect(rig.dataRequests().map(dataOffset).sort((a, b) => a! - b!)).toEqual([0, cs, 2 * cs, 3 * cs, 4 * cs, 5 * cs]);
    // Parts starting together share one batch of presigned URLs rather than each fetching its own.
    if (id === 'synapse') expect(rig.http.records.filter((r) => r.url.includes('/presigned/url/batch'))).toHaveLength(1);
    await rig.check();
  });

  it.each(['box', 'synapse'] as ProviderId[])('%s: partsInFlight 1 sends one part at a time', async (id) => {
    rig = await startRig(id, { partsInFlight: 1 });
    const { during, done } = await whileFirstPartHeld(rig, id, 3 * rig.c.chunkSize + 7);
    expect(done.state.kind).toBe('done');
    expect(during).toBe(1);
    await rig.check();
  });

  it('synapse: a part whose bytes are stored frees its place on the wire while it is added; it counts only once added', async () => {
    // One part on the wire at a time: the next part's PUT may go out while the part before it is
    // being added (a request to the file service, not the storage), but no second PUT beside it.
    rig = await startRig('synapse', { partsInFlight: 1 });
    const cs = rig.c.chunkSize;
    const gate = rig.http.hold((x) => /\/add\/1\?/.test(x.url));
    const p = await rig.makeFile('add-overlap.bin', 3 * cs + 7);
    const t = await rig.add(p);
    await gate.held;
    await waitFor(() => rig!.dataRequests().length >= 2, 'the second part PUT while part 1 is being added');
    // Part 1 is not confirmed yet: the journal does not count it.
    const written = rig.journal.written.get(t.id) ?? [];
    expect(written.at(-1)?.offset ?? 0).toBe(0);
    gate.release();
    const done = await rig.engine.settled(t.id);
    expect(done.state.kind, JSON.stringify(done.state)).toBe('done');
    expect(rig.dataRequests()).toHaveLength(4);
    expect(maxOverlap(rig.dataRequests())).toBe(1);
    expect(await rig.stored(p)).toBeDefined();
    await rig.check();
  });

  it('box: a part that fails while another is on the wire is sent again; the other counts once confirmed', async () => {
    rig = await startRig('box');
    const cs = rig.c.chunkSize;
    rig.emu.inject({ method: 'PUT', path: '/upload_sessions/', withBody: true, after: 1, action: { kind: 'respond', status: 500 } });
    const p = await rig.makeFile('fail-one.bin', 4 * cs + 3);
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    const ok = rig.dataRequests().filter((r) => r.status === 200 || r.status === 201).map(dataOffset);
    expect(ok.sort((a, b) => a! - b!)).toEqual([0, cs, 2 * cs, 3 * cs, 4 * cs]);
    expect(await rig.stored(p)).toBeDefined();
    await rig.check();
  });
});
