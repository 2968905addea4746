// The ETA counts known waits: a backoff or Retry-After, a closed upload window, and the bandwidth
// timetable ahead; it is "unknown" rather than a wrong number when nothing moves.
import { describe, expect, it } from 'vitest';
import { parseBwLimit } from '../../app/common/bwlimit-schedule.js';
import { overallEta, transferEta } from '../../app/common/eta.js';
import { fixedOffsetWeek } from '../../app/common/local-week.js';
import type { TransferView } from '../../app/common/transfer.js';

const M = 1024 * 1024;
const now = Date.UTC(2026, 0, 5, 18, 0); // Monday 18:00 UTC
const week = fixedOffsetWeek(0);
const err = { code: 'rate-limited' as const, message: '429' };

function view(o: Partial<TransferView>): TransferView {
  return {
    id: 'a', name: 'a', localPath: '/a', targetId: 't', remotePath: '/a', provider: 'tus', size: 100 * M,
    state: { kind: 'uploading', offset: 0 }, transferred: 40 * M, speed: M, createdAt: 0, updatedAt: 0, ...o,
  };
}

describe('ETA', () => {
  it('bytes left at the current speed', () => {
    expect(transferEta(view({}), now)).toBe(60_000);
  });

  it('adds a known wait (Retry-After) before the bytes', () => {
    const v = view({ state: { kind: 'waiting', offset: 40 * M, until: now + 30_000, reason: 'throttled', error: err }, speed: 0, waitingUntil: now + 30_000, waitingFor: 'throttled' });
    expect(transferEta(v, now, { fallbackRate: M })).toBe(90_000);
    expect(transferEta(v, now)).toBeUndefined(); // nothing moving and no rate known: unknown, not 0
  });

  it('runs through the timetable: a night pause pushes the end to the morning', () => {
    // 1 MiB/s, 61 MiB left at 18:59: 60 MiB before 19:00, paused 19:00-07:00, the last MiB from 07:00.
    const tt = parseBwLimit('07:00,off 19:00,0');
    const at = Date.UTC(2026, 0, 5, 18, 59);
    expect(transferEta(view({ transferred: 39 * M }), at, { timetable: tt, week })).toBe(60_000 + 12 * 3600_000 + 1000);
  });

  it('a slot limit below the link speed slows the estimate', () => {
    const tt = parseBwLimit('512k');
    expect(transferEta(view({}), now, { timetable: tt, week })).toBe(120_000);
  });

  it('a window closed until changed is unknown', () => {
    expect(transferEta(view({ waitingFor: 'window', speed: 0 }), now, { fallbackRate: M })).toBeUndefined();
  });

  it('overall: shared speed over all bytes left, from when the first transfer moves again', () => {
    const a = view({ id: 'a', speed: M / 2 });
    const b = view({ id: 'b', speed: M / 2, transferred: 80 * M });
    expect(overallEta([a, b], now)).toBe(80_000);
    const waiting = { state: { kind: 'waiting' as const, offset: 0, until: now + 10_000, reason: 'backoff' as const, error: err }, speed: 0, waitingUntil: now + 10_000, waitingFor: 'backoff' as const };
    expect(overallEta([view({ id: 'a', ...waiting }), view({ id: 'b', ...waiting, waitingUntil: now + 20_000 })], now, { fallbackRate: 2 * M })).toBe(10_000 + 60_000);
    expect(overallEta([view({ state: { kind: 'done', remotePath: '/a', verified: true } })], now)).toBe(0);
  });
});
