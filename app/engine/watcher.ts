// The watcher port: what folder sync needs from a file-system watcher. Two adapters implement
// it (app/node/watcher-chokidar.ts, app/node/watcher-parcel.ts). Events are hints, never facts:
// the folder re-stats every path it is told about, so an adapter may report too much, never too little.
import type { FerryError } from '../common/errors.js';

export type WatchEventKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface WatchEvent {
  kind: WatchEventKind;
  /** Path relative to the watched root, '/'-separated, never '' (the root itself is not reported). */
  path: string;
}

export interface WatchSink {
  events(batch: WatchEvent[]): void;
  /**
   * Events were lost (kernel queue overflow, a directory the backend could not enumerate):
   * the folder must rescan `path` ('' = the whole root).
   */
  overflow(path: string): void;
  /**
   * A problem with one path (an unreadable subfolder) or the whole watch. `fatal` means the
   * watch has stopped and must be restarted; otherwise the rest of the tree is still watched.
   */
  error(err: FerryError, fatal: boolean): void;
}

export interface WatchOptions {
  /** Absolute path of the watched root. Symlinks under it are never followed. */
  root: string;
  /** Relative '/'-separated path (a directory with a trailing '/') → true to skip it and, for a directory, everything below. */
  ignored(rel: string): boolean;
  sink: WatchSink;
}

export interface WatchSubscription {
  /** Resolves once the watch is established; events before that may be missed (the folder scans after). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** Starts watching; adapters name themselves for logs and the benchmark. */
export interface Watcher {
  readonly name: string;
  watch(opts: WatchOptions): WatchSubscription;
}
