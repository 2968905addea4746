// What to upload: a scan (or one re-stat) compared with the sync index. Like Syncthing, a file
// whose size and mtime match its index entry is trusted to be unchanged and never read; only a
// file whose mtime moved but size did not is hashed, to tell a real edit from a touch. Pure.
import type { FileStat } from './stability.js';

export interface IndexEntry {
  size: number;
  mtimeMs: number;
  /** Hex SHA-256 of the uploaded content. */
  hash: string;
  /** Where the file went on the target, as the engine reported it. */
  remote: string;
}

export type Verdict = 'new' | 'changed' | 'verify' | 'same';

/** `verify`: same size, different mtime: hash it and upload only when the hash differs. */
export function judge(stat: FileStat, entry: IndexEntry | undefined): Verdict {
  if (!entry) return 'new';
  if (entry.size !== stat.size) return 'changed';
  if (entry.mtimeMs !== stat.mtimeMs) return entry.hash ? 'verify' : 'changed';
  return 'same';
}

export interface Candidate {
  path: string;
  stat: FileStat;
  verdict: Exclude<Verdict, 'same'>;
}

export interface Plan {
  candidates: Candidate[];
  unchanged: number;
  /** Index entries under the scanned folder that the scan did not see (deleted or moved away). */
  gone: string[];
}

function under(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

/**
 * Compares the files a walk of `dir` found with the index. Entries under a folder the walk
 * could not read (`unreadable`) are kept: an unreadable folder is not a deleted one.
 */
export function planScan(
  scanned: ReadonlyMap<string, FileStat>,
  index: ReadonlyMap<string, IndexEntry>,
  dir: string,
  unreadable: readonly string[] = [],
): Plan {
  const plan: Plan = { candidates: [], unchanged: 0, gone: [] };
  for (const [path, stat] of scanned) {
    const verdict = judge(stat, index.get(path));
    if (verdict === 'same') plan.unchanged++;
    else plan.candidates.push({ path, stat, verdict });
  }
  for (const path of index.keys()) {
    if (!under(path, dir) || scanned.has(path)) continue;
    if (unreadable.some((u) => under(path, u))) continue;
    plan.gone.push(path);
  }
  plan.candidates.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return plan;
}
