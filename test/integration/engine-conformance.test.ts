// Every provider through the real engine against its emulator: chunk-boundary sizes (fault
// row 31), pause mid-chunk then resume (row 33), cancel (row 34). The same assertions for all:
// the stored file is byte-identical, and cancel deletes the session where the API can.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES } from '../helpers/provider-cases.js';
import { startHarness, until, type Harness } from '../helpers/engine-harness.js';

describe.each(CASES)('$id through the engine', (c) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(c, { proxy: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  const cs = c.chunkSize;
  const sizes: [string, number][] = [['1 byte', 1], ['chunk-1', cs - 1], ['chunk', cs], ['chunk+1', cs + 1], ['several chunks', 3 * cs + 7]];

  it.each(sizes)('uploads a file of %s byte-identically', async (_label, size) => {
    const p = await h.makeFile(`f-${size}.bin`, size);
    const v = await h.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    expect(await h.stored(p)).toBeDefined();
  });

  it('handles an empty file', async () => {
    const p = await h.makeFile('empty.bin', 0);
    const v = await h.upload(p);
    if (c.emptyFiles) {
      expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
      expect(await h.stored(p)).toBeDefined();
    } else {
      expect(v.state.kind).toBe('failed');
      expect(v.state.kind === 'failed' && v.state.error.message).toMatch(/empty|0 bytes|at least one byte/i);
    }
  });

  it('pauses mid-chunk within a second and resumes to a byte-identical file', async () => {
    const p = await h.makeFile('pause.bin', 4 * cs);
    await h.proxy!.setMode({ kind: 'bandwidth', bytesPerSec: cs * 2 });
    const v = await h.add(p);
    const e = h.runtime.engine;
    await until(() => (e.get(v.id)?.transferred ?? 0) > cs + cs / 4, 'progress into the second chunk');
    const t0 = Date.now();
    await e.pause(v.id);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(e.get(v.id)?.state.kind).toBe('paused');
    await h.proxy!.setMode({ kind: 'pass' });
    const before = h.stats().bytesReceived;
    await e.resume(v.id);
    const done = await e.settled(v.id);
    expect(done.state.kind, JSON.stringify(done.state)).toBe('done');
    expect(await h.stored(p)).toBeDefined();
    // Resuming re-sends at most the interrupted chunk, never the whole file.
    expect(h.stats().bytesReceived - before).toBeLessThanOrEqual(3 * cs + cs);
  });

  it(c.canDelete ? 'cancel deletes the session on the server, and nothing is sent to it afterwards' : 'cancel says plainly the API has no delete', async () => {
    const p = await h.makeFile('cancel.bin', 6 * cs);
    await h.proxy!.setMode({ kind: 'bandwidth', bytesPerSec: cs * 2 });
    const v = await h.add(p);
    const e = h.runtime.engine;
    await until(() => (e.get(v.id)?.transferred ?? 0) > cs, 'progress past the first chunk');
    const deletedBefore = h.stats().sessionsDeleted;
    await h.proxy!.setMode({ kind: 'pass' });
    await e.cancel(v.id);
    const after = e.get(v.id)!;
    expect(after.state.kind).toBe('cancelled');
    // Bytes the client sent before the cancel may still sit in the bandwidth-limited proxy's
    // queue (up to 256 KiB at 2 chunks/s): let them land before taking the mark.
    await new Promise((r) => setTimeout(r, 800));
    const requestsAtCancel = h.emu.requests().length;
    if (c.canDelete) {
      expect(after.state.kind === 'cancelled' && after.state.sessionDeleted).toBe(true);
      expect(h.stats().sessionsDeleted).toBe(deletedBefore + 1);
    } else {
      expect(after.state.kind === 'cancelled' && after.state.sessionDeleted).toBe(false);
      expect(after.state.kind === 'cancelled' && after.state.note).toMatch(/no (way|API)|cannot|discards|clears/i);
    }
    await new Promise((r) => setTimeout(r, 500));
    // I2: no request reaches the abandoned session after the cancel.
    const late = h.emu.requests().slice(requestsAtCancel).map((r) => `${r.method} ${r.path}`);
    expect(late).toEqual([]);
    expect(await h.stored(p)).toBeUndefined();
  });
});
