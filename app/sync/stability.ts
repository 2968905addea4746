// Write-finish detection. A file is ready to upload once its size and mtime have not changed
// for `windowMs` of our own clock. A file that never settles (a log, a recording in progress)
// is released anyway `maxWaitMs` after it was first seen; a later change simply makes it a
// candidate again, so it is re-uploaded once that change settles. Pure: the caller stats the
// files and passes the time in.

export interface StabilityOptions {
  windowMs: number;
  maxWaitMs: number;
}

export const DEFAULT_STABILITY: StabilityOptions = { windowMs: 2_000, maxWaitMs: 10 * 60_000 };

export interface FileStat {
  size: number;
  mtimeMs: number;
}

interface Watch {
  stat: FileStat;
  /** When the current (size, mtime) was first seen. */
  since: number;
  /** When the path became a candidate; bounds the wait. */
  firstSeen: number;
}

export interface Released {
  path: string;
  stat: FileStat;
  /** True when released by `maxWaitMs` while still changing. */
  forced: boolean;
}

export class StabilityDetector {
  private readonly watching = new Map<string, Watch>();
  private readonly opts: StabilityOptions;

  constructor(opts: Partial<StabilityOptions> = {}) {
    this.opts = { ...DEFAULT_STABILITY, ...opts };
  }

  get size(): number {
    return this.watching.size;
  }

  paths(): IterableIterator<string> {
    return this.watching.keys();
  }

  has(path: string): boolean {
    return this.watching.has(path);
  }

  /** Records what a stat of `path` showed at `now`. */
  observe(path: string, stat: FileStat, now: number): void {
    const w = this.watching.get(path);
    if (!w) {
      this.watching.set(path, { stat, since: now, firstSeen: now });
      return;
    }
    if (w.stat.size !== stat.size || w.stat.mtimeMs !== stat.mtimeMs) {
      w.stat = stat;
      w.since = now;
    }
  }

  /** The file disappeared (or became ignored): stop waiting for it. */
  forget(path: string): void {
    this.watching.delete(path);
  }

  /** Removes and returns the files that are settled, or have waited too long, at `now`. */
  release(now: number): Released[] {
    const out: Released[] = [];
    for (const [path, w] of this.watching) {
      const settled = now - w.since >= this.opts.windowMs;
      const forced = !settled && now - w.firstSeen >= this.opts.maxWaitMs;
      if (!settled && !forced) continue;
      this.watching.delete(path);
      out.push({ path, stat: w.stat, forced });
    }
    return out;
  }

  /** When the next file could be released if nothing changes, or undefined when none is pending. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const w of this.watching.values()) {
      const t = Math.min(w.since + this.opts.windowMs, w.firstSeen + this.opts.maxWaitMs);
      if (due === undefined || t < due) due = t;
    }
    return due;
  }
}
