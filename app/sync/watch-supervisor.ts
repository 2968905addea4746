// Keeps one folder's watch alive: a fatal watcher error closes the watch and restarts it after
// an exponential delay, at most `maxRestarts` times within `windowMs`; after that it gives up
// and the folder falls back to periodic rescans. Every restart is followed by a rescan of the
// root, because events during the gap are lost. Timers are injected so tests need no sleeps.
import type { FerryError } from '../common/errors.js';
import type { Watcher, WatchSink, WatchSubscription } from '../engine/watcher.js';

export interface RestartPolicy {
  maxRestarts: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART: RestartPolicy = { maxRestarts: 5, windowMs: 10 * 60_000, baseDelayMs: 1_000, maxDelayMs: 30_000 };

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SupervisorHooks extends WatchSink {
  restarting(attempt: number, delayMs: number, error: FerryError): void;
  gaveUp(error: FerryError): void;
}

export class WatchSupervisor {
  private sub: WatchSubscription | undefined;
  private restarts: number[] = [];
  private timer: unknown;
  private stopped = false;
  private generation = 0;

  constructor(
    private readonly watcher: Watcher,
    private readonly root: string,
    private readonly ignored: (rel: string) => boolean,
    private readonly hooks: SupervisorHooks,
    private readonly policy: RestartPolicy = DEFAULT_RESTART,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Starts the watch; resolves when it is established (or failed). */
  start(): Promise<void> {
    const gen = ++this.generation;
    // Events from a watch that was replaced must not leak into the new one.
    const live = (): boolean => gen === this.generation && !this.stopped;
    const sub = this.watcher.watch({
      root: this.root,
      ignored: this.ignored,
      sink: {
        events: (b) => { if (live()) this.hooks.events(b); },
        overflow: (p) => { if (live()) this.hooks.overflow(p); },
        error: (err, fatal) => {
          if (!live()) return;
          if (fatal) this.fail(err);
          else this.hooks.error(err, false);
        },
      },
    });
    this.sub = sub;
    return sub.ready;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const sub = this.sub;
    this.sub = undefined;
    await sub?.close();
  }

  private fail(err: FerryError): void {
    this.hooks.error(err, true);
    const old = this.sub;
    this.sub = undefined;
    this.generation++;
    void old?.close().catch(() => undefined);
    const now = this.timers.now();
    this.restarts = this.restarts.filter((t) => now - t < this.policy.windowMs);
    if (this.restarts.length >= this.policy.maxRestarts) {
      this.hooks.gaveUp(err);
      return;
    }
    this.restarts.push(now);
    const attempt = this.restarts.length;
    const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    this.hooks.restarting(attempt, delay, err);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.start().then(
        () => { if (!this.stopped) this.hooks.overflow(''); },
        () => undefined,
      );
    }, delay);
  }
}
