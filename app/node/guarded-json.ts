// Small settings files (targets.json, folders.json, transfer-settings.json) that must never lose
// what they hold. Before each save the current good file is kept as `<file>.bak`; a file that
// cannot be parsed is moved to the quarantine folder with a warning (like a damaged journal
// record), and the backup is used instead. Without this a truncated file read as "empty", and the
// next save overwrote every saved account with nothing.
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { escapeControls } from '../common/terminal-text.js';
import { writeFileAtomic } from './atomic-file.js';

export interface GuardedJsonOptions {
  /** Where damaged files go: $FERRY_HOME/quarantine. */
  quarantineDir: string;
  warn?: (message: string) => void;
}

/** What a file must hold to be readable: a JSON list or a JSON object. */
interface Shape<T> {
  name: string;
  accepts(v: unknown): v is T;
  empty(): T;
  /** "3 entries": said when the backup is used. */
  size(v: T): string;
  /** What is used when there is no backup either. */
  emptyWords: string;
}

const LIST: Shape<unknown[]> = {
  name: 'JSON list', accepts: (v): v is unknown[] => Array.isArray(v), empty: () => [], size: (v) => `${v.length} entries`, emptyWords: 'it starts empty',
};
const OBJECT: Shape<Record<string, unknown>> = {
  name: 'JSON object',
  accepts: (v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v),
  empty: () => ({}),
  size: (v) => Object.keys(v).join(', ') || 'nothing set',
  emptyWords: 'the defaults are used',
};

type Parsed<T> = { ok: true; value: T } | { ok: false; why?: string };

async function parse<T>(path: string, shape: Shape<T>): Promise<Parsed<T> | undefined> {
  const text = await fsp.readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return shape.accepts(v) ? { ok: true, value: v } : { ok: false, why: `it holds ${Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`}` };
  } catch (e) {
    // The parser quotes the text it stopped at: control characters (a NUL-filled file) are escaped for the log.
    return { ok: false, why: escapeControls((e as Error).message) };
  }
}

async function readGuarded<T>(path: string, o: GuardedJsonOptions, shape: Shape<T>): Promise<T> {
  const main = await parse(path, shape);
  if (main?.ok) return main.value;
  const bak = await parse(`${path}.bak`, shape);
  if (main === undefined) return bak?.ok ? bak.value : shape.empty();
  await fsp.mkdir(o.quarantineDir, { recursive: true, mode: 0o700 });
  const dest = join(o.quarantineDir, `${Date.now()}-${basename(path)}`);
  await fsp.rename(path, dest);
  const using = bak?.ok ? `using the backup from the previous save (${shape.size(bak.value)})` : `no backup was found, so ${shape.emptyWords}`;
  o.warn?.(`${path} is damaged (not a readable ${shape.name}${main.why ? `: ${main.why}` : ''}): moved to ${dest}; ${using}`);
  // The backup becomes the file again, so the next save starts from it.
  if (bak?.ok) await writeFileAtomic(path, JSON.stringify(bak.value, null, 2));
  return bak?.ok ? bak.value : shape.empty();
}

async function writeGuarded<T>(path: string, value: T, shape: Shape<T>): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const current = await parse(path, shape).catch(() => undefined);
  if (current?.ok) await writeFileAtomic(`${path}.bak`, JSON.stringify(current.value, null, 2));
  await writeFileAtomic(path, JSON.stringify(value, null, 2));
}

/** Reads a JSON list; a damaged file is quarantined and its backup used. Never throws on bad content. */
export async function readGuardedList<T>(path: string, o: GuardedJsonOptions): Promise<T[]> {
  return readGuarded(path, o, LIST) as Promise<T[]>;
}

/** Saves a JSON list, first keeping the current good file as `<file>.bak`. */
export async function writeGuardedList<T>(path: string, list: readonly T[]): Promise<void> {
  await writeGuarded(path, list as unknown[], LIST);
}

/** Reads a JSON object (a settings record); damaged: quarantined, its backup or `{}` used. */
export async function readGuardedObject(path: string, o: GuardedJsonOptions): Promise<Record<string, unknown>> {
  return readGuarded(path, o, OBJECT);
}

/** Saves a JSON object, first keeping the current good file as `<file>.bak`. */
export async function writeGuardedObject(path: string, value: Record<string, unknown>): Promise<void> {
  await writeGuarded(path, value, OBJECT);
}
