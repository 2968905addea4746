// Fault catalogue rows 5, 7 and 8, where the delays themselves are the behaviour: the engine runs
// on a FakeClock that jumps to each pending sleep's deadline (FakeClock.drive), so the schedule
// is asserted exactly and a ten-minute Retry-After costs no real time. Requests are stamped with
// the fake clock; no assertion here reads the wall clock.
import { afterEach, describe, expect, it } from 'vitest';
import { describeState, type ProviderId, type TransferState } from '../../app/common/transfer.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';
import { DATA_ROUTE, isData } from '../helpers/invariants.js';

let rig: Rig | undefined;
let stopClock: (() => void) | undefined;
afterEach(async () => {
  stopClock?.();
  await rig?.close();
  rig = undefined;
});

/** Wakes each sleeper at its deadline as soon as it sleeps; `before` may act first (restore a server). */
const autoAdvance = (clock: FakeClock, before?: (ms: number) => Promise<void> | void): (() => void) => clock.drive(before);

const BASE = { baseMs: 1_000, jitterMs: 1_000 };

describe('row 7: 5xx three times, then success', () => {
  it.each([500, 502, 503, 504])('tus, HTTP %d: exactly three retries per chunk with exponential delays plus jitter; the counter resets on progress', async (status) => {
    const clock = new FakeClock();
    const jitter = [0.1, 0.7, 0.4, 0.9, 0.2, 0.6];
    let n = 0;
    rig = await startRig('tus', {
      clock, retry: { ...BASE, capMs: 64_000, maxAttempts: 3 }, random: () => jitter[n++ % jitter.length]!,
      // After chunk 1 is confirmed, chunk 2 meets the same three failures: only a reset counter lets it through.
      afterChunk: (_id, offset) => { if (offset === 2 * rig!.c.chunkSize) inject(); },
    });
    const inject = (): void => rig!.emu.inject({ method: 'PATCH', withBody: true, times: 3, action: { kind: 'respond', status } });
    stopClock = autoAdvance(clock);
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('5xx.bin', 3 * cs + 1);
    rig.emu.inject({ method: 'PATCH', withBody: true, after: 1, times: 3, action: { kind: 'respond', status } });
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    const expected = [1_000, 2_000, 4_000, 1_000, 2_000, 4_000].map((d, i) => d + Math.floor(jitter[i]! * 1_000));
    expect(clock.sleeps).toEqual(expected);
    const failed = rig.dataRequests().filter((r) => r.status === status);
    expect(failed).toHaveLength(6);
    // Each retry went out no earlier than its delay after the failure, and asked the server first.
    for (const [i, f] of failed.entries()) {
      const next = rig.http.records[f.seq + 1]!;
      expect(next.at - f.at).toBe(expected[i]);
      expect(next.method).toBe('HEAD');
    }
    await rig.check();
  });
});

describe('row 8: 429 with Retry-After', () => {
  // An HTTP-date is read against the same answer's Date (both the server's clock), so the answer
  // carries both: 7 s apart, on a day far from the local clock, the wait is exactly 7 s however
  // late the answer is read.
  const forms: [string, Record<string, string>, number, number][] = [
    ['delta-seconds 7', { 'retry-after': '7' }, 7_000, 7_000],
    ['an HTTP-date 7 s ahead', { 'retry-after': 'Wed, 01 Jan 2031 00:00:07 GMT', date: 'Wed, 01 Jan 2031 00:00:00 GMT' }, 7_000, 7_000],
  ];
  it.each(['tus', 'onedrive'] as ProviderId[])('%s waits the time asked for, in both forms, and sends nothing earlier', async (id) => {
    for (const [label, header, min, max] of forms) {
      const clock = new FakeClock();
      rig = await startRig(id, { clock, random: () => 0 });
      stopClock = autoAdvance(clock);
      const p = await rig.makeFile(`429-${label.split(' ')[0]}.bin`, 3 * rig.c.chunkSize);
      rig.emu.inject({ method: DATA_ROUTE[id].method, path: DATA_ROUTE[id].path, withBody: true, after: 1, action: { kind: 'respond', status: 429, headers: header } });
      const v = await rig.upload(p);
      expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
      const hit = rig.http.records.find((r) => r.status === 429)!;
      expect(clock.sleeps, label).toHaveLength(1);
      expect(clock.sleeps[0], label).toBeGreaterThanOrEqual(min);
      expect(clock.sleeps[0], label).toBeLessThanOrEqual(max);
      const later = rig.http.records.slice(hit.seq + 1);
      expect(later.length).toBeGreaterThan(0);
      for (const r of later) expect(r.at - hit.at, `${label}: ${r.method} sent early`).toBeGreaterThanOrEqual(clock.sleeps[0]!);
      await rig.check();
      stopClock();
      await rig.close();
      rig = undefined;
    }
  });

  it('tus: an absurd Retry-After (86400) is clamped to the configured maximum and shown as "throttled"', async () => {
    const clock = new FakeClock();
    const seen: TransferState[] = [];
    rig = await startRig('tus', { clock, random: () => 0, retry: { maxRetryAfterMs: 600_000 } });
    stopClock = autoAdvance(clock, () => { seen.push(...rig!.engine.list().map((v) => v.state)); });
    const p = await rig.makeFile('day.bin', 2 * rig.c.chunkSize);
    rig.emu.inject({ method: 'PATCH', withBody: true, after: 1, action: { kind: 'respond', status: 429, headers: { 'retry-after': '86400' } } });
    const start = clock.now();
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    expect(clock.sleeps).toEqual([600_000]);
    const waiting = seen.find((s) => s.kind === 'waiting');
    expect(waiting?.kind === 'waiting' && waiting.reason).toBe('throttled');
    expect(waiting?.kind === 'waiting' && waiting.until - start).toBeLessThanOrEqual(600_000);
    expect(describeState(waiting!, start)).toMatch(/^Throttled by the server, retrying in 600s/);
    await rig.check();
  });
});

describe('row 8, queue-wide: a 429 slows every transfer, not only the one that met it', () => {
  it('tus, two files at once: after the 429 neither sends a request before Retry-After has passed', async () => {
    const clock = new FakeClock();
    rig = await startRig('tus', { clock, random: () => 0, maxConcurrent: 2 });
    stopClock = autoAdvance(clock);
    const cs = rig.c.chunkSize;
    const a = await rig.makeFile('queue-a.bin', 4 * cs);
    const b = await rig.makeFile('queue-b.bin', 4 * cs);
    rig.emu.inject({ method: 'PATCH', withBody: true, after: 3, action: { kind: 'respond', status: 429, headers: { 'retry-after': '7' } } });
    const [ta, tb] = [await rig.add(a), await rig.add(b)];
    const [va, vb] = [await rig.engine.settled(ta.id), await rig.engine.settled(tb.id)];
    expect([va.state.kind, vb.state.kind]).toEqual(['done', 'done']);
    const hit = rig.http.records.find((r) => r.status === 429)!;
    const after = rig.http.records.filter((r) => r.startedMs > hit.endedMs!);
    // Both transfers had requests after the 429, none of them earlier than 7 s after it.
    const sessions = new Set(after.map((r) => new URL(r.url).pathname));
    expect(sessions.size).toBe(2);
    for (const r of after) expect(r.at - hit.at, `${r.method} ${r.url}`).toBeGreaterThanOrEqual(7_000);
    await rig.check();
  });
});

describe('row 5: server down (connection refused), then back', () => {
  const cfg = { ...BASE, capMs: 4_000, maxAttempts: 8 };

  it('tus: retries follow the backoff schedule (cap respected), resume from the server offset once it is back', async () => {
    const clock = new FakeClock();
    rig = await startRig('tus', { clock, proxy: true, retry: cfg });
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('down.bin', 4 * cs);
    let downAt = 0;
    let down = false;
    const states: TransferState[] = [];
    stopClock = autoAdvance(clock, async (ms) => {
      states.push(...rig!.engine.list().map((v) => v.state));
      // Back once 20 s of (fake) time have passed by the end of this sleep.
      if (down && clock.now() + ms - downAt >= 20_000) {
        down = false;
        await rig!.proxy!.setMode({ kind: 'pass' });
      }
    });
    const gate = rig.http.hold((r) => isData('tus', r) && r.headers['upload-offset'] === String(2 * cs));
    const t = await rig.add(p);
    await gate.held;
    await rig.proxy!.setMode({ kind: 'refuse' });
    downAt = clock.now();
    down = true;
    gate.release();
    const v = await rig.engine.settled(t.id);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    // delays: min(cap, base·2^n) + jitter, jitter in [0, 1 s)
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(5);
    expect(clock.sleeps.length).toBeLessThanOrEqual(cfg.maxAttempts);
    for (const [i, d] of clock.sleeps.entries()) {
      const exp = Math.min(cfg.capMs, cfg.baseMs * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(exp);
      expect(d).toBeLessThan(exp + cfg.jitterMs);
    }
    expect(states.some((s) => s.kind === 'waiting' && s.reason === 'offline')).toBe(true);
    const refused = rig.http.records.filter((r) => r.error === 'network');
    expect(refused.length).toBe(clock.sleeps.length);
    // Back: the first request asks where the server is, and nothing already held is sent again.
    const back = rig.http.records[refused.at(-1)!.seq + 1]!;
    expect(back.method).toBe('HEAD');
    expect(rig.received()).toBe(4 * cs);
    await rig.check();
  });

  it('tus: a server that stays down parks the transfer after maxAttempts; a later retry resumes the same session', async () => {
    const clock = new FakeClock();
    rig = await startRig('tus', { clock, proxy: true, retry: { ...cfg, maxAttempts: 4 } });
    stopClock = autoAdvance(clock);
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('parked.bin', 3 * cs);
    const gate = rig.http.hold((r) => isData('tus', r) && r.headers['upload-offset'] === String(cs));
    const t = await rig.add(p);
    await gate.held;
    await rig.proxy!.setMode({ kind: 'refuse' });
    gate.release();
    const parked = await rig.engine.settled(t.id);
    expect(parked.state.kind).toBe('failed');
    expect(parked.state.kind === 'failed' && parked.state.error.code).toBe('network');
    expect(parked.state.kind === 'failed' && parked.state.error.message).toMatch(/connection refused.*gave up after 4 attempts/);
    const attempts = rig.http.records.filter((r) => r.error === 'network');
    expect(attempts).toHaveLength(5);
    const sessions = rig.sessions(t.id);
    await rig.proxy!.setMode({ kind: 'pass' });
    await rig.engine.retry(t.id);
    const v = await rig.engine.settled(t.id);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    expect(rig.sessions(t.id)).toEqual(sessions);
    expect(rig.emu.stats().sessionsCreated).toBe(1);
    await rig.check();
  });
});
