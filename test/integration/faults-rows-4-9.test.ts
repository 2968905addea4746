// Fault catalogue rows 4 and 9 through the invariant rig (real engine, real emulator, real HTTP).
// Row 9: 408 Request Timeout and tus 423 Locked are transient: retried with backoff, the upload
// completes. Row 4: a slow link (64 KB/s) never trips a false stall while a chunk takes less
// than the stall bound to cross it. NOT covered (found while writing this): when one chunk takes
// longer than the bound (128 KiB at 64 KB/s against a 1 s bound), the body sits in socket buffers,
// nothing moves for the bound while the response is awaited, and the transfer fails 'stalled'.
// The catalogue's adaptive chunk size is not implemented; see docs/fault-catalogue.md.
import { afterEach, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../helpers/engine-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('row 9: 408 and tus 423 are transient', () => {
  it.each([408, 423])('tus, HTTP %d twice on a chunk: retried with backoff, then done', async (status) => {
    rig = await startRig('tus', { retry: { baseMs: 20, capMs: 200, jitterMs: 10, maxAttempts: 5 } });
    const p = await rig.makeFile(`r${status}.bin`, 2 * rig.c.chunkSize + 7);
    rig.emu.inject({ method: 'PATCH', withBody: true, times: 2, action: { kind: 'respond', status } });
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    expect(rig.emu.requests().filter((r) => r.status === status)).toHaveLength(2);
    await rig.check();
  });
});

describe('row 4: slow link, no false stall', () => {
  it('tus at 64 KB/s, 128 KiB chunks (2 s each) under a 4 s stall bound: completes, progress monotonic, no retry', async () => {
    rig = await startRig('tus', { proxy: true, idleTimeoutMs: 4_000, chunkSize: 128 * 1024 });
    await rig.proxy!.setMode({ kind: 'bandwidth', bytesPerSec: 65_536 });
    const p = await rig.makeFile('slow.bin', 192 * 1024);
    const seen: number[] = [];
    const stop = rig.engine.onChange((views) => { for (const v of views) seen.push(v.transferred); });
    const v = await rig.upload(p);
    stop();
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    // No chunk was abandoned for a stall: every data request succeeded.
    expect(rig.emu.requests().filter((r) => r.method === 'PATCH' && r.status >= 400)).toEqual([]);
    await rig.check();
  }, 30_000);
});
