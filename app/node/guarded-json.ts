// Small settings files (targets.json, folders.json) that must never lose what they hold. Before
// each save the current good file is kept as `<file>.bak`; a file that cannot be parsed is moved
// to the quarantine folder with a warning (like a damaged journal record), and the backup is
// used instead. Without this a truncated file read as "empty", and the next save overwrote every
// saved account with nothing.
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

export interface GuardedJsonOptions {
  /** Where damaged files go: $FERRY_HOME/quarantine. */
  quarantineDir: string;
  warn?: (message: string) => void;
}

type Parsed<T> = { ok: true; value: T[] } | { ok: false };

async function parseList<T>(path: string): Promise<Parsed<T> | undefined> {
  const text = await fsp.readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? { ok: true, value: v as T[] } : { ok: false };
  } catch {
    return { ok: false };
  }
}

/** Reads a JSON list; a damaged file is quarantined and its backup used. Never throws on bad content. */
export async function readGuardedList<T>(path: string, o: GuardedJsonOptions): Promise<T[]> {
  const main = await parseList<T>(path);
  if (main?.ok) return main.value;
  const bak = await parseList<T>(`${path}.bak`);
  if (main === undefined) return bak?.ok ? bak.value : [];
  await fsp.mkdir(o.quarantineDir, { recursive: true, mode: 0o700 });
  const dest = join(o.quarantineDir, `${Date.now()}-${basename(path)}`);
  await fsp.rename(path, dest);
  const using = bak?.ok ? `using the backup from the previous save (${bak.value.length} entries)` : 'no backup was found, so it starts empty';
  o.warn?.(`${path} is damaged (not a readable JSON list): moved to ${dest}; ${using}`);
  // The backup becomes the file again, so the next save starts from it.
  if (bak?.ok) await writeFileAtomic(path, JSON.stringify(bak.value, null, 2));
  return bak?.ok ? bak.value : [];
}

/** Saves a JSON list, first keeping the current good file as `<file>.bak`. */
export async function writeGuardedList<T>(path: string, list: readonly T[]): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const current = await parseList<T>(path).catch(() => undefined);
  if (current?.ok) await writeFileAtomic(`${path}.bak`, JSON.stringify(current.value, null, 2));
  await writeFileAtomic(path, JSON.stringify(list, null, 2));
}
