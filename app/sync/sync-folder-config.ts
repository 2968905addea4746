// What a watched folder is configured with, and the id that names its state.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Engine } from '../engine/engine-api.js';
import type { Watcher } from '../engine/watcher.js';
import type { AggregatorOptions } from './aggregator.js';
import type { StabilityOptions } from './stability.js';
import type { SyncEvent } from './sync-events.js';
import type { RestartPolicy, Timers } from './watch-supervisor.js';

export interface SyncFolderConfig {
  /** Stable id of this watched folder (see folderIdFor); names its state directory. */
  id: string;
  /** Local folder to sync. */
  root: string;
  targetId: string;
  /** Remote folder the tree goes under, e.g. '/Footage'. */
  remoteDir: string;
  /** Where this folder's index lives: $FERRY_HOME/sync/<id>. */
  stateDir: string;
  /** Absolute roots never uploaded (credentials, $FERRY_HOME, the sandbox's data): see app/common/secret-paths.ts. */
  denied?: readonly string[];
  /** $FERRY_HOME, always skipped and named as such. */
  ferryHome?: string;
  /** Extra gitignore-syntax rules on top of the defaults and the folder's .ferryignore. */
  ignore?: string[];
  stability?: Partial<StabilityOptions>;
  aggregator?: Partial<AggregatorOptions>;
  restart?: RestartPolicy;
  /** How often files waiting to settle are re-stat'ed. Default: a quarter of the window. */
  pollMs?: number;
  /**
   * Files larger than this are recorded without a content hash (default 1 GiB): a touch that
   * leaves such a file's content unchanged then re-uploads it, but no new file is read twice.
   */
  hashMaxBytes?: number;
  /** Full rescans as a safety net for missed events (0 = never). Default 1 hour. */
  rescanIntervalMs?: number;
}

export interface SyncFolderDeps {
  engine: Engine;
  watcher: Watcher;
  onEvent?: (e: SyncEvent) => void;
  log?: (line: string) => void;
  timers?: Timers;
}

/** A stable id for (folder, target, remote folder): the same sync started again finds its index. */
export function folderIdFor(root: string, targetId: string, remoteDir: string): string {
  return createHash('sha256').update(`${resolve(root)}\0${targetId}\0${remoteDir}`).digest('hex').slice(0, 16);
}
