// A fast walk of a folder tree: readdir with file types, then the directory's files lstat'ed
// as one batch, a few directories at a time. Symlinks are reported and never followed (so a
// link cannot lead the walk out of the root), ignored folders are not entered, and a folder
// that cannot be read is reported while the walk goes on with the rest.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '../common/errors.js';
import { mayBeUndecodable, NOT_UTF8 } from '../common/file-names.js';

export interface ScanSink {
  file(rel: string, size: number, mtimeMs: number): void;
  /** A folder or file that could not be read; the walk continues. */
  error(rel: string, err: FerryError): void;
  /** Not a regular file or folder (a symlink, a socket, ...): skipped. */
  skipped?(rel: string, why: string): void;
}

export interface ScanOptions {
  /** `rel` is '/'-separated; folders end with '/'. */
  ignored?(rel: string): boolean;
  /** Why a path must never be uploaded (credentials, Ferry's own state): reported as skipped, not entered. */
  denied?(rel: string): string | undefined;
  /** Folders read at once. */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface ScanTotals {
  files: number;
  dirs: number;
  errors: number;
}

export function fsError(err: unknown, what: string, rel: string): FerryError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'it does not exist' : (err as Error)?.message ?? String(err);
  const ferryCode = code === 'ENOENT' ? 'file-missing' : 'file-unreadable';
  return new FerryError(ferryCode, `Cannot read ${what} '${rel || '.'}': ${why}`, { file: rel || '.' }, { cause: err });
}

/** Walks `root/start` ('' = the whole root). Paths given to the sink are relative to `root`. */
export async function scanTree(root: string, start: string, sink: ScanSink, opts: ScanOptions = {}): Promise<ScanTotals> {
  const totals: ScanTotals = { files: 0, dirs: 0, errors: 0 };
  const ignored = opts.ignored ?? (() => false);
  const queue: string[] = [start];
  const concurrency = Math.max(1, opts.concurrency ?? 4);

  const readOne = async (rel: string): Promise<void> => {
    const abs = rel === '' ? root : join(root, rel);
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      totals.errors++;
      sink.error(rel, fsError(err, 'folder', rel));
      return;
    }
    totals.dirs++;
    const files: string[] = [];
    for (const e of entries) {
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      const key = e.isDirectory() ? `${childRel}/` : childRel;
      const why = ignored(key) ? undefined : opts.denied?.(key);
      if (why !== undefined) {
        sink.skipped?.(key, why);
      } else if (e.isDirectory()) {
        if (!ignored(`${childRel}/`)) queue.push(childRel);
      } else if (e.isFile()) {
        if (!ignored(childRel)) files.push(childRel);
      } else if (!ignored(childRel)) {
        sink.skipped?.(childRel, e.isSymbolicLink() ? 'symbolic link (not followed)' : 'not a regular file');
      }
    }
    const stats = await Promise.allSettled(files.map((f) => lstat(join(root, f))));
    stats.forEach((r, i) => {
      const f = files[i]!;
      if (r.status === 'fulfilled') {
        // The entry may have been replaced between readdir and lstat.
        if (!r.value.isFile()) return;
        totals.files++;
        sink.file(f, r.value.size, r.value.mtimeMs);
      } else if ((r.reason as NodeJS.ErrnoException).code === 'ENOENT' && mayBeUndecodable(f)) {
        // Node turned bytes that are not UTF-8 into U+FFFD: that name opens nothing. Say so.
        sink.skipped?.(f, NOT_UTF8);
      } else if ((r.reason as NodeJS.ErrnoException).code !== 'ENOENT') {
        totals.errors++;
        sink.error(f, fsError(r.reason, 'file', f));
      }
    });
  };

  // A small pool: whenever a folder finishes, start as many queued folders as there are free slots.
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    const pump = (): void => {
      while (active < concurrency && queue.length > 0 && !opts.signal?.aborted) {
        const next = queue.pop()!;
        active++;
        readOne(next).then(() => {
          active--;
          pump();
        }, reject);
      }
      if (active === 0) resolve();
    };
    pump();
  });
  return totals;
}
