// The test clocks. FakeClock only moves when told to: `sleep` (the engine's Clock port) and
// `setTimeout` (folder sync's Timers port) fire when `advance` passes their deadline, in deadline
// order, so retry schedules are asserted exactly and tests never wait for real. ShiftClock is
// real time that can jump ahead ("eight days later"), for rigs whose servers run in real time.
import type { Clock } from '../../app/engine/ports.js';
import { systemClock } from '../../app/node/system-clock.js';
import type { Timers } from '../../app/sync/watch-supervisor.js';

interface Due { at: number; seq: number; fire: () => void; timer?: number }

export class FakeClock implements Clock, Timers {
  private t: number;
  private due: Due[] = [];
  private seq = 0;
  /** Every sleep asked for, in order (ms); timers are not sleeps. */
  readonly sleeps: number[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      // A sleep that ends takes its abort listener with it, as systemClock's does: a transfer's
      // signal outlives thousands of sleeps.
      const onAbort = (): void => {
        this.due = this.due.filter((x) => x !== d);
        reject(signal!.reason);
      };
      const d: Due = { at: this.t + ms, seq: this.seq++, fire: () => { signal?.removeEventListener('abort', onAbort); resolve(); } };
      this.due.push(d);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.seq++;
    this.due.push({ at: this.t + ms, seq: id, fire: fn, timer: id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due = this.due.filter((d) => d.timer === undefined || d.timer !== handle);
  }

  /**
   * Moves time forward by `ms`, firing what falls due in deadline order. The first is fired before
   * this returns; await the result to let each one's consequences run before the next fires.
   */
  advance(ms: number): Promise<void> {
    const end = this.t + ms;
    const fireNext = (): boolean => {
      this.due.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.due[0];
      if (!next || next.at > end) return false;
      this.due.shift();
      this.t = Math.max(this.t, next.at);
      next.fire();
      return true;
    };
    if (!fireNext()) {
      this.t = end;
      return Promise.resolve();
    }
    return (async () => {
      do await new Promise((r) => setImmediate(r));
      while (fireNext());
      this.t = end;
    })();
  }

  /**
   * Keeps time moving for code that runs on real I/O: whenever something sleeps, the clock jumps
   * to the earliest deadline (`before` runs first, with the length of the jump, and may act, e.g.
   * bring a server back). Time moves only when someone waits. Returns the function that stops it.
   */
  drive(before?: (ms: number) => Promise<void> | void): () => void {
    let on = true;
    void (async () => {
      while (on) {
        const due = this.nextDue();
        if (due !== undefined) {
          await before?.(due);
          if (on) await this.advance(due);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    return () => { on = false; };
  }

  /** Time until the earliest sleep or timer falls due; undefined when nothing waits. */
  nextDue(): number | undefined {
    if (this.due.length === 0) return undefined;
    return Math.max(0, Math.min(...this.due.map((d) => d.at)) - this.t);
  }

  /** Sleeps and timers still waiting. */
  pending(): number {
    return this.due.length;
  }
}

/** Real time, shiftable: "eight days later" without waiting (session expiry while paused). */
export class ShiftClock implements Clock {
  shift = 0;
  now(): number {
    return Date.now() + this.shift;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
}
