// Watch-event aggregation in front of the upload queue (after Syncthing's watchaggregator):
// events for one path are merged until the path has been quiet for `quietMs`, or `maxDelayMs`
// after its first event even if it never goes quiet. Too many events under one folder collapse
// into a rescan of that folder, too many overall into a rescan of the root, so memory stays
// bounded whatever a burst looks like. Pure: time is passed in by the caller.
import type { WatchEvent, WatchEventKind } from '../engine/watcher.js';

export interface AggregatorOptions {
  /** A path is released once no event touched it for this long. */
  quietMs: number;
  /** A path is released this long after its first event even if events keep coming. */
  maxDelayMs: number;
  /** Pending paths in total before everything collapses into a root rescan. */
  maxPaths: number;
  /** Pending paths directly inside one folder before they collapse into a rescan of that folder. */
  maxPerDir: number;
}

export const DEFAULT_AGGREGATOR: AggregatorOptions = { quietMs: 300, maxDelayMs: 10_000, maxPaths: 4096, maxPerDir: 256 };

/** What a quiet period produced: paths to re-stat, and folders to walk ('' = the root). */
export interface Batch {
  paths: string[];
  dirs: string[];
}

type Kind = WatchEventKind | 'rescan';

interface Pending {
  kind: Kind;
  first: number;
  last: number;
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** The net effect of `next` following `prev` on the same path; undefined = nothing happened. */
export function mergeKinds(prev: Kind, next: Kind): Kind | undefined {
  if (prev === 'rescan' || next === 'rescan') return 'rescan';
  if (prev === 'add' && next === 'unlink') return undefined;
  if (prev === 'addDir' && next === 'unlinkDir') return undefined;
  if (prev === 'unlink' && next === 'add') return 'change';
  if (prev === 'add' && next === 'change') return 'add';
  if (next === 'addDir' || prev === 'addDir') return next === 'unlinkDir' || next === 'unlink' ? next : 'addDir';
  return next;
}

export class Aggregator {
  private readonly pending = new Map<string, Pending>();
  private readonly perDir = new Map<string, Set<string>>();
  private readonly opts: AggregatorOptions;

  constructor(opts: Partial<AggregatorOptions> = {}) {
    this.opts = { ...DEFAULT_AGGREGATOR, ...opts };
  }

  get size(): number {
    return this.pending.size;
  }

  push(ev: WatchEvent, now: number): void {
    if (this.coveredByRescan(ev.path)) return;
    this.record(ev.path, ev.kind, now);
  }

  /** Events under `dir` were lost: walk it. */
  overflow(dir: string, now: number): void {
    if (dir !== '' && this.coveredByRescan(dir)) return;
    if (dir === '') {
      this.collapseRoot(now);
      return;
    }
    this.collapseDir(dir, now);
  }

  /** When the next path becomes due, or undefined when nothing is pending. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const p of this.pending.values()) {
      const t = Math.min(p.last + this.opts.quietMs, p.first + this.opts.maxDelayMs);
      if (due === undefined || t < due) due = t;
    }
    return due;
  }

  /** Removes and returns every path that is due at `now`. */
  take(now: number): Batch | undefined {
    const batch: Batch = { paths: [], dirs: [] };
    for (const [path, p] of this.pending) {
      if (now - p.last < this.opts.quietMs && now - p.first < this.opts.maxDelayMs) continue;
      this.forget(path);
      if (p.kind === 'rescan' || p.kind === 'addDir') batch.dirs.push(path);
      else batch.paths.push(path);
    }
    return batch.paths.length + batch.dirs.length === 0 ? undefined : batch;
  }

  private record(path: string, kind: Kind, now: number): void {
    const prev = this.pending.get(path);
    if (prev) {
      const merged = mergeKinds(prev.kind, kind);
      if (merged === undefined) {
        this.forget(path);
        return;
      }
      prev.kind = merged;
      prev.last = now;
      return;
    }
    if (this.pending.size >= this.opts.maxPaths) {
      this.collapseRoot(now);
      return;
    }
    const dir = parentOf(path);
    const siblings = this.perDir.get(dir) ?? new Set<string>();
    if (siblings.size >= this.opts.maxPerDir) {
      this.collapseDir(dir, now);
      return;
    }
    siblings.add(path);
    this.perDir.set(dir, siblings);
    this.pending.set(path, { kind, first: now, last: now });
  }

  /** Replaces every pending path under `dir` with one rescan of `dir`, keeping the earliest first-seen time. */
  private collapseDir(dir: string, now: number): void {
    if (dir === '') {
      this.collapseRoot(now);
      return;
    }
    let first = now;
    const prefix = `${dir}/`;
    for (const [path, p] of [...this.pending]) {
      if (path === dir || path.startsWith(prefix)) {
        first = Math.min(first, p.first);
        this.forget(path);
      }
    }
    this.record(dir, 'rescan', now);
    const entry = this.pending.get(dir);
    if (entry) entry.first = Math.min(entry.first, first);
  }

  private collapseRoot(now: number): void {
    let first = now;
    for (const p of this.pending.values()) first = Math.min(first, p.first);
    this.pending.clear();
    this.perDir.clear();
    this.pending.set('', { kind: 'rescan', first, last: now });
  }

  private coveredByRescan(path: string): boolean {
    // A pending walk of an ancestor (a rescan, or a folder that appeared) will see this path too.
    if (this.pending.get('')?.kind === 'rescan') return true;
    for (let dir = parentOf(path); dir !== ''; dir = parentOf(dir)) {
      const kind = this.pending.get(dir)?.kind;
      if (kind === 'rescan' || kind === 'addDir') return true;
    }
    return false;
  }

  private forget(path: string): void {
    this.pending.delete(path);
    const dir = parentOf(path);
    const siblings = this.perDir.get(dir);
    if (siblings) {
      siblings.delete(path);
      if (siblings.size === 0) this.perDir.delete(dir);
    }
  }
}
