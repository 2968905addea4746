// The shared token bucket on a fake clock: the aggregate stays within the limit, a closed window
// (rate 0) holds senders until it opens, and a change at run time applies to waiting senders.
import { afterEach, describe, expect, it } from 'vitest';
import { parseBwLimit } from '../../app/common/bwlimit-schedule.js';
import { fixedOffsetWeek } from '../../app/common/local-week.js';
import { Bandwidth } from '../../app/engine/bandwidth.js';
import { FakeClock } from '../fakes/fake-clock.js';

const M = 1024 * 1024;
const utc = fixedOffsetWeek(0);
let stop: (() => void) | undefined;
afterEach(() => stop?.());

/** Sends `total` bytes through the bucket as a transport would, logging (time, bytes) as each slice leaves. */
async function send(bw: Bandwidth, clock: FakeClock, total: number, log: [number, number][], want = M): Promise<void> {
  let left = total;
  while (left > 0) {
    const n = await bw.take(Math.min(want, left));
    log.push([clock.now(), n]);
    left -= n;
  }
}

function bytesBy(log: [number, number][], t: number): number {
  return log.filter(([at]) => at <= t).reduce((s, [, n]) => s + n, 0);
}

describe('Bandwidth', () => {
  it('holds two senders together to 2 MiB/s within 5 % over every few seconds', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0));
    const bw = new Bandwidth(clock, parseBwLimit('2M'), utc);
    stop = clock.drive();
    const t0 = clock.now();
    const log: [number, number][] = [];
    await Promise.all([send(bw, clock, 8 * M, log), send(bw, clock, 8 * M, log)]);
    const secs = (clock.now() - t0) / 1000;
    expect(secs).toBeGreaterThan(8 * 0.95);
    expect(secs).toBeLessThan(8 * 1.05);
    for (let t = 3; t <= 8; t++) {
      const sent = bytesBy(log, t0 + t * 1000);
      expect(sent / (2 * M * t), `after ${t}s`).toBeGreaterThan(0.95);
      expect(sent / (2 * M * t), `after ${t}s`).toBeLessThan(1.05);
    }
    // Slices are small enough for a smooth rate: ~50 ms of the limit.
    expect(Math.max(...log.map(([, n]) => n))).toBeLessThanOrEqual(Math.ceil(2 * M / 20));
  });

  it('off is unlimited: the whole slice at once, no waiting', async () => {
    const clock = new FakeClock();
    const bw = new Bandwidth(clock, parseBwLimit('off'), utc);
    await expect(bw.take(64 * M)).resolves.toBe(64 * M);
    expect(clock.pending()).toBe(0);
  });

  it('a 0 window holds the upload until the window ends, across the boundary', async () => {
    // 1 MiB/s until 09:00, paused 09:00-10:00, then unlimited.
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 8, 59, 58));
    const bw = new Bandwidth(clock, parseBwLimit('08:00,1M 09:00,0 10:00,off'), utc);
    stop = clock.drive();
    const log: [number, number][] = [];
    await send(bw, clock, 12 * M, log);
    const nine = Date.UTC(2026, 0, 5, 9, 0);
    const ten = Date.UTC(2026, 0, 5, 10, 0);
    const before = bytesBy(log, nine);
    expect(before).toBeGreaterThan(2 * M * 0.95);
    expect(before).toBeLessThanOrEqual(2 * M + M / 20);
    // Nothing leaves inside the closed window, except a slice already paid for before it.
    expect(log.filter(([t]) => t > nine + 100 && t < ten)).toEqual([]);
    expect(clock.now()).toBe(ten);
    expect(bw.pausedUntil()).toBeUndefined();
  });

  it('reports when a closed window opens', () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 30));
    const bw = new Bandwidth(clock, parseBwLimit('08:00,1M 09:00,0 10:00,off'), utc);
    expect(bw.pausedUntil()).toBe(Date.UTC(2026, 0, 5, 10, 0));
    expect(bw.current()).toBe(0);
  });

  it('a change at run time releases senders held by a closed window', async () => {
    const clock = new FakeClock();
    const bw = new Bandwidth(clock, parseBwLimit('0'), utc);
    let got = 0;
    const p = bw.take(M).then((n) => (got = n));
    await new Promise((r) => setImmediate(r));
    expect(got).toBe(0);
    expect(bw.pausedUntil()).toBe(Infinity);
    bw.set(parseBwLimit('off'));
    await p;
    expect(got).toBe(M);
  });

  it('an abort ends the wait with the signal reason', async () => {
    const clock = new FakeClock();
    const bw = new Bandwidth(clock, parseBwLimit('0'), utc);
    const ac = new AbortController();
    const p = bw.take(M, ac.signal);
    ac.abort(new Error('paused by user'));
    await expect(p).rejects.toThrow('paused by user');
  });

  it("another Ferry process sending under the limit halves this one's rate; alone again, the whole rate", async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0));
    let sharers = 2;
    let told = 0;
    const bw = new Bandwidth(clock, parseBwLimit('2M'), utc, undefined, { sharers: () => sharers, sending: () => { told++; } });
    stop = clock.drive();
    const log: [number, number][] = [];
    let t0 = clock.now();
    await send(bw, clock, 4 * M, log);
    // 4 MiB at half of 2 MiB/s.
    expect((clock.now() - t0) / 1000).toBeGreaterThan(4 * 0.95);
    expect((clock.now() - t0) / 1000).toBeLessThan(4 * 1.05);
    expect(told).toBe(log.length);
    sharers = 1;
    t0 = clock.now();
    await send(bw, clock, 4 * M, log);
    expect((clock.now() - t0) / 1000).toBeLessThan(2 * 1.05);
    // Unlimited: nobody is told, nothing is shared.
    bw.set(parseBwLimit('off'));
    const before = told;
    await bw.take(M);
    expect(told).toBe(before);
  });
});
