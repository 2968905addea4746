// How long until uploads finish, counting the waits Ferry knows about (fault catalogue row 29):
// a backoff or the server's Retry-After (`waitingUntil` in the view), a closed upload window, and
// the bandwidth timetable ahead (a transfer that meets a paused night window finishes the next
// morning, not in ten minutes). Pure: `now` is the caller's clock; shared by the CLI and the window.
import type { BwTimetable } from './bwlimit-schedule.js';
import { rateAt, systemLocalWeek, type LocalWeek } from './local-week.js';
import { isRunning, type TransferView } from './transfer.js';

export interface EtaOptions {
  /** Bytes per second to assume when nothing is moving now (e.g. the last known speed). */
  fallbackRate?: number;
  /** The bandwidth timetable in force: slots ahead cap (or pause) the rate. */
  timetable?: BwTimetable;
  week?: LocalWeek;
}

/** Longest look-ahead through a timetable: past this the answer is "unknown". */
const HORIZON_MS = 28 * 24 * 3600_000;

/** Milliseconds until `bytes` have gone at `speed` from `start`, through the timetable's slots. */
export function timeFor(bytes: number, speed: number, start: number, now: number, o: EtaOptions = {}): number | undefined {
  if (bytes <= 0) return Math.max(0, start - now);
  if (!(speed > 0)) return undefined;
  if (!o.timetable) return start - now + (bytes / speed) * 1000;
  let t = start;
  let left = bytes;
  while (t - now < HORIZON_MS) {
    const { rate, until } = rateAt(o.timetable, t, o.week ?? systemLocalWeek);
    const r = rate === null ? speed : Math.min(speed, rate);
    const end = until ?? Infinity;
    if (r > 0) {
      const need = (left / r) * 1000;
      if (t + need <= end) return t + need - now;
      left -= ((end - t) * r) / 1000;
    } else if (end === Infinity) {
      return undefined; // paused until someone changes the limit
    }
    t = end;
  }
  return undefined;
}

/** When this transfer will resume, in ms from now: 0 when it is not waiting, undefined when unknown. */
export function waitLeft(v: TransferView, now: number): number | undefined {
  if (v.waitingUntil !== undefined) return Math.max(0, v.waitingUntil - now);
  return v.waitingFor === 'window' ? undefined : 0;
}

/** Milliseconds until one transfer is done; undefined when it cannot be told (or it will not finish by itself). */
export function transferEta(v: TransferView, now: number, o: EtaOptions = {}): number | undefined {
  if (v.state.kind === 'done') return 0;
  if (!isRunning(v.state)) return undefined;
  const wait = waitLeft(v, now);
  if (wait === undefined) return undefined;
  const speed = v.speed > 0 ? v.speed : (o.fallbackRate ?? 0);
  return timeFor(v.size - v.transferred, speed, now + wait, now, o);
}

/**
 * Milliseconds until every running transfer is done. They share one link and one limit, so the
 * bytes left of all of them go at their combined speed, from when the first of them moves again.
 */
export function overallEta(views: TransferView[], now: number, o: EtaOptions = {}): number | undefined {
  const running = views.filter((v) => isRunning(v.state));
  if (running.length === 0) return 0;
  const left = running.reduce((s, v) => s + Math.max(0, v.size - v.transferred), 0);
  const speed = running.reduce((s, v) => s + v.speed, 0) || (o.fallbackRate ?? 0);
  const waits = running.map((v) => waitLeft(v, now));
  const known = waits.filter((w): w is number => w !== undefined);
  if (known.length === 0) return undefined;
  return timeFor(left, speed, now + Math.min(...known), now, o);
}
