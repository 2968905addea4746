// What a watched folder reports to the CLI, the host and the desktop panel. Pure types and
// helpers (no node:*), so the UI can show them as they are.
import type { ErrorInfo } from '../common/errors.js';

export type SyncFolderState = 'starting' | 'scanning' | 'watching' | 'polling' | 'stopped';

export type SyncEvent =
  | { type: 'state'; state: SyncFolderState; watcher?: string }
  | { type: 'scanned'; dir: string; files: number; candidates: number; unchanged: number; ms: number }
  | { type: 'queued'; path: string; remotePath: string; size: number; transferId: string; reason: 'new' | 'changed' }
  /** `version`: the provider's version number of the file, where it keeps versions. */
  | { type: 'done'; path: string; remotePath: string; version?: number }
  | { type: 'failed'; path: string; error: ErrorInfo }
  /** Same size, new mtime, same content hash: recorded, not uploaded. */
  | { type: 'unchanged'; path: string }
  /** A folder or file that cannot be read; the rest of the folder keeps syncing. */
  | { type: 'error'; path: string; error: ErrorInfo }
  | { type: 'skipped'; path: string; reason: string }
  | { type: 'watcher-restart'; attempt: number; delayMs: number; error: ErrorInfo }
  /** The watcher failed too often: the folder is only rescanned periodically from now on. */
  | { type: 'watcher-gave-up'; error: ErrorInfo; rescanEveryMs: number };

/** Shown beside every watched folder in the desktop panel and printed by `ferry sync`. */
export const SYNC_DELETION_NOTE =
  'Deleting or renaming a file here does not delete anything on the target: a renamed file is uploaded under its new name, and the old copy stays.';

/** One line for a terminal or a log. */
export function describeSyncEvent(e: SyncEvent): string {
  switch (e.type) {
    case 'state': return e.watcher ? `${e.state} (${e.watcher})` : e.state;
    case 'scanned': return `scanned ${e.dir || '.'}: ${e.files} files, ${e.candidates} to check, ${e.unchanged} unchanged (${e.ms} ms)`;
    case 'queued': return `queued ${e.path} → ${e.remotePath} (${e.reason}, ${e.size} bytes)`;
    case 'done': return `done ${e.path} → ${e.remotePath}${e.version === undefined ? '' : ` (version ${e.version})`}`;
    case 'failed': return `failed ${e.path}: ${e.error.message}`;
    case 'unchanged': return `unchanged ${e.path} (only its modification time moved)`;
    case 'error': return `error ${e.path}: ${e.error.message}`;
    case 'skipped': return `skipped ${e.path}: ${e.reason}`;
    case 'watcher-restart': return `watcher failed (${e.error.message}); restart ${e.attempt} in ${e.delayMs} ms`;
    case 'watcher-gave-up': return `watcher gave up (${e.error.message}); rescanning every ${Math.round(e.rescanEveryMs / 1000)} s instead`;
  }
}
