// The last check before a settled file is queued: hash it (only new and changed files are ever
// hashed, and only up to a size limit), make sure it did not change while being hashed, and
// tell a real edit from a touch.
// Reads the file system but changes no state; the folder applies the outcome.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorInfo } from '../common/errors.js';
import { toErrorInfo } from '../common/errors.js';
import { fsError } from './tree-scan.js';
import { sha256File } from './hash-file.js';
import { judge, type IndexEntry } from './planner.js';
import type { FileStat } from './stability.js';

export type Prepared =
  | { kind: 'upload'; path: string; stat: FileStat; hash: string; reason: 'new' | 'changed' }
  /** Same content as uploaded; only the mtime moved. */
  | { kind: 'unchanged'; path: string; entry: IndexEntry }
  /** Changed while being hashed: back to the settle detector with this stat. */
  | { kind: 'unsettled'; path: string; stat: FileStat }
  | { kind: 'gone'; path: string }
  | { kind: 'failed'; path: string; error: ErrorInfo }
  | { kind: 'same'; path: string };

/** Files above this size are not hashed by default: reading 50 GB of footage twice costs more than re-sending it after a mere touch. */
export const DEFAULT_HASH_MAX_BYTES = 1024 ** 3;

export async function prepareUpload(root: string, path: string, stat: FileStat, entry: IndexEntry | undefined, hashMaxBytes = DEFAULT_HASH_MAX_BYTES): Promise<Prepared> {
  const verdict = judge(stat, entry);
  if (verdict === 'same') return { kind: 'same', path };
  let hash: string;
  try {
    // '' = not hashed: the index then trusts size and mtime alone for this file.
    hash = stat.size > hashMaxBytes ? '' : await sha256File(join(root, path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone', path };
    return { kind: 'failed', path, error: toErrorInfo(fsError(err, 'file', path)) };
  }
  let after;
  try {
    after = await lstat(join(root, path));
  } catch {
    return { kind: 'gone', path };
  }
  if (!after.isFile()) return { kind: 'gone', path };
  if (after.size !== stat.size || after.mtimeMs !== stat.mtimeMs) return { kind: 'unsettled', path, stat: { size: after.size, mtimeMs: after.mtimeMs } };
  if (verdict === 'verify' && entry && hash !== '' && entry.hash === hash) return { kind: 'unchanged', path, entry: { ...entry, mtimeMs: stat.mtimeMs } };
  return { kind: 'upload', path, stat, hash, reason: entry ? 'changed' : 'new' };
}

/** Runs `fn` over `items` with at most `limit` at once, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
