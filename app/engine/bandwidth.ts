// One bandwidth limit for every transfer together: a token bucket on request-body bytes as they
// leave, following the timetable (`--bwlimit`, app/common/bwlimit-schedule.ts), changeable while
// running. The transport asks `take(want)` before each slice of a body and sends what it is granted.
//
// The bucket may go into debt: a taker reserves its slice at once and sleeps until the debt is paid,
// so takers are served in the order they asked and the bytes released by time t never exceed
// capacity + rate·t. Slices are kept to ~50 ms of the rate (at least 16 KiB), so the aggregate stays
// within a few per cent of the limit over any few seconds. The bucket starts empty at each rate
// change (as rclone's newTokenBucket drains its burst: fs/accounting/token_bucket.go).
// A rate of 0 (a closed upload window) holds every taker until the window ends or the limit changes.
// Other Ferry processes sending at the same time (BandwidthShare) each get an equal part of the rate.
// Time only from the Clock port.
import { UNLIMITED, type BwTimetable, type Rate } from '../common/bwlimit-schedule.js';
import { rateAt, systemLocalWeek, type LocalWeek } from '../common/local-week.js';
import type { Http } from './http.js';
import type { BandwidthShare, Clock } from './ports.js';

const MIN_SLICE = 16 * 1024;
const SLICE_MS = 50;
/** A paused window with no end (a plain "0") is re-checked this often. */
const LONG_NAP_MS = 60 * 60_000;

export class Bandwidth {
  private tt: BwTimetable = UNLIMITED;
  private rate: Rate = null;
  /** When the current rate ends (the next slot), Infinity when it never does. */
  private until = Infinity;
  private tokens = 0;
  private last = 0;
  private wake = new AbortController();

  /** `changed` is told when the rate in force changes (a window closes or opens): views show it. */
  constructor(
    private readonly clock: Clock, tt?: BwTimetable, private readonly week: LocalWeek = systemLocalWeek,
    private readonly changed?: () => void, private readonly share?: BandwidthShare,
  ) {
    this.set(tt ?? UNLIMITED);
  }

  /** Changes the timetable; applies at once, also to takers already waiting. */
  set(tt: BwTimetable): void {
    this.tt = tt;
    this.until = -Infinity;
    this.roll(this.clock.now());
    const w = this.wake;
    this.wake = new AbortController();
    w.abort();
  }

  timetable(): BwTimetable {
    return this.tt;
  }

  /** The rate in force now (null: unlimited, 0: paused). */
  current(): Rate {
    this.roll(this.clock.now());
    return this.rate;
  }

  /** When the current rate changes; undefined when it never does. */
  changesAt(): number | undefined {
    this.roll(this.clock.now());
    return Number.isFinite(this.until) ? this.until : undefined;
  }

  /** When a closed window (rate 0) opens; undefined when not paused (Infinity: not until changed). */
  pausedUntil(): number | undefined {
    this.roll(this.clock.now());
    return this.rate === 0 ? this.until : undefined;
  }

  /** How many processes share the limit now (1: this one alone). */
  sharers(): number {
    return Math.max(1, this.share?.sharers() ?? 1);
  }

  /** This process's part of the rate in force (null: unlimited, 0: paused). */
  private ownRate(): Rate {
    return this.rate === null || this.rate === 0 ? this.rate : this.rate / this.sharers();
  }

  /** Largest slice to send at once under the current rate. */
  slice(): number {
    const r = this.ownRate();
    return r === null ? Infinity : Math.max(MIN_SLICE, Math.floor((r * SLICE_MS) / 1000));
  }

  /**
   * Waits until `want` bytes (or a smaller first part of them) may leave; resolves with how many.
   * Rejects with the signal's reason when aborted.
   */
  async take(want: number, signal?: AbortSignal): Promise<number> {
    if (want <= 0) return 0;
    for (;;) {
      const now = this.clock.now();
      this.roll(now);
      if (this.rate === null) return want;
      if (this.rate === 0) {
        await this.nap(Math.min(this.until - now, LONG_NAP_MS), signal);
        continue;
      }
      this.share?.sending();
      const rate = this.ownRate()!;
      const n = Math.min(want, this.slice());
      this.refill(now, rate);
      this.tokens -= n;
      if (this.tokens < 0) await this.nap((-this.tokens * 1000) / rate, signal);
      return n;
    }
  }

  /**
   * Resolves once the window is open (rate not 0). Checked before each request, so no request is
   * started into a closed window: a server would drop a connection held open for hours. A window
   * that closes while a chunk is on the wire holds that chunk's remaining slices (take).
   */
  async open(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.roll(now);
      if (this.rate !== 0) return;
      await this.nap(Math.min(this.until - now, LONG_NAP_MS), signal);
    }
  }

  /** Moves to the timetable's next slot when its time has come; a new rate starts with an empty bucket. */
  private roll(now: number): void {
    if (now < this.until) return;
    const { rate, until } = rateAt(this.tt, now, this.week);
    if (rate !== this.rate) {
      this.tokens = 0;
      this.last = now;
      if (this.changed) queueMicrotask(this.changed);
    }
    this.rate = rate;
    this.until = until ?? Infinity;
  }

  private refill(now: number, rate: number): void {
    const cap = this.slice();
    this.tokens = Math.min(cap, this.tokens + ((now - this.last) * rate) / 1000);
    this.last = now;
  }

  /** Sleeps `ms` on the clock; a limit change ends the nap early (the caller re-evaluates). */
  private async nap(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0) return;
    const wake = this.wake.signal;
    // A fresh signal per nap: listeners a clock leaves behind go with it, not onto `wake`.
    const both = AbortSignal.any(signal ? [signal, wake] : [wake]);
    try {
      await this.clock.sleep(Math.ceil(ms), both);
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      if (!wake.aborted) throw e;
    }
  }
}

/**
 * The engine's Http for providers: every request body goes through the shared bucket, and so do
 * the bytes a provider sends on its own socket (`pace`), answered at once while unlimited.
 */
export function pacedHttp(http: Http, bw: Bandwidth): Http {
  return {
    request: (r) => http.request(r.body === undefined ? r : { ...r, pace: (want, signal) => bw.take(want, signal) }),
    pace: (want, signal) => (bw.current() === null ? want : bw.take(want, signal)),
    ...(http.close ? { close: () => http.close!() } : {}),
  };
}
