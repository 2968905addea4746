// What one path a watch event named is, for a watched folder: ignored, never to be uploaded, gone,
// a folder to walk, something to skip and report, or a file to watch settle. Read-only: the
// folder's loop (sync-folder.ts) acts on the answer. Also what a vanished path means for the
// settle detector and the index.
import { lstat, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toErrorInfo } from '../common/errors.js';
import { mayBeUndecodable, NOT_UTF8 } from '../common/file-names.js';
import { judge, type IndexEntry } from './planner.js';
import type { FileStat, StabilityDetector } from './stability.js';
import type { SyncIndex } from './sync-index.js';
import type { SyncEvent } from './sync-events.js';
import { fsError } from './tree-scan.js';

export type Look =
  | { kind: 'ignored' }
  | { kind: 'denied'; reason: string }
  | { kind: 'gone' }
  | { kind: 'walk' }
  /** Report `event`; `forget` drops the path from the settle detector. */
  | { kind: 'report'; event: SyncEvent; forget: boolean }
  | { kind: 'same' }
  | { kind: 'settle'; stat: FileStat };

export interface LookContext {
  ignored(rel: string): boolean;
  denied(rel: string): string | undefined;
  entry(path: string): IndexEntry | undefined;
}

export async function lookAt(realRoot: string, path: string, c: LookContext): Promise<Look> {
  if (c.ignored(path)) return { kind: 'ignored' };
  const reason = c.denied(path);
  if (reason !== undefined) return { kind: 'denied', reason };
  const abs = join(realRoot, path);
  let st;
  try {
    st = await lstat(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A name Node could not decode (U+FFFD) opens nothing: say why instead of calling it gone.
    if (code === 'ENOENT' && mayBeUndecodable(path)) return { kind: 'report', event: { type: 'skipped', path, reason: NOT_UTF8 }, forget: true };
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'gone' };
    return { kind: 'report', event: { type: 'error', path, error: toErrorInfo(fsError(err, 'file', path)) }, forget: false };
  }
  if (st.isDirectory()) return c.ignored(`${path}/`) ? { kind: 'ignored' } : { kind: 'walk' };
  if (!st.isFile()) {
    return st.isSymbolicLink()
      ? { kind: 'report', event: { type: 'skipped', path, reason: 'symbolic link (not followed)' }, forget: true }
      : { kind: 'same' };
  }
  // A backend that follows links could name a file through a linked folder: never upload from outside the root.
  const parent = await realpath(dirname(abs)).catch(() => '');
  if (parent !== dirname(abs)) return { kind: 'report', event: { type: 'skipped', path, reason: 'reached through a symbolic link (not followed)' }, forget: true };
  const stat = { size: st.size, mtimeMs: st.mtimeMs };
  return judge(stat, c.entry(path)) === 'same' ? { kind: 'same' } : { kind: 'settle', stat };
}

/** lstat a settling path; undefined when it is gone or no longer a regular file. */
export async function statRegular(realRoot: string, path: string): Promise<FileStat | undefined> {
  try {
    const st = await lstat(join(realRoot, path));
    return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** A path disappeared: stop waiting for it and forget it (and anything under it) in the index. */
export function forgetPath(path: string, stable: StabilityDetector, index: SyncIndex): void {
  const prefix = `${path}/`;
  for (const p of [...stable.paths()]) if (p === path || p.startsWith(prefix)) stable.forget(p);
  // A file has no children: only a vanished folder needs the (linear) prefix sweep.
  if (index.get(path)) {
    index.delete(path);
    return;
  }
  for (const p of [...index.entries.keys()]) if (p.startsWith(prefix)) index.delete(p);
}
