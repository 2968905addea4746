// The persisted sync index of one watched folder: relative path → (size, mtime, SHA-256,
// remote path). It is an append-only log of checksummed JSON lines under
// $FERRY_HOME/sync/<folderId>/index.log, so recording one upload costs one short append, not a
// rewrite of 100,000 entries. Appends are batched and fdatasync'ed together; the log is
// compacted (temp file, fsync, rename, directory fsync) once it holds far more records than
// live entries. A torn last line (a crash mid-append) is dropped; any other bad record makes
// the file quarantined beside itself and the good records kept: a lost record only means that
// file is uploaded once more, never that a change is missed.
import { chmod, mkdir, open, readFile, rename, copyFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { IndexEntry } from './planner.js';

const VERSION = 1;
const LOG = 'index.log';

export interface SyncIndexOptions {
  /** Folder holding this watched folder's state, e.g. $FERRY_HOME/sync/<folderId>. */
  dir: string;
  log?: (line: string) => void;
  /** Appends are gathered for this long before one write + fdatasync. */
  flushMs?: number;
  now?: () => number;
}

interface PutRecord { p: string; s: number; m: number; h: string; r: string }
interface DelRecord { p: string; d: 1 }
type Rec = PutRecord | DelRecord | { v: number };

function line(rec: Rec): string {
  const json = JSON.stringify(rec);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

function parseLine(text: string): Rec | undefined {
  const sp = text.indexOf(' ');
  if (sp !== 8) return undefined;
  const json = text.slice(9);
  if (crc32(json).toString(16).padStart(8, '0') !== text.slice(0, 8)) return undefined;
  try {
    return JSON.parse(json) as Rec;
  } catch {
    return undefined;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export class SyncIndex {
  readonly entries = new Map<string, IndexEntry>();
  private readonly opts: Required<SyncIndexOptions>;
  private fd: FileHandle | undefined;
  private buffer: string[] = [];
  private records = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  private constructor(opts: SyncIndexOptions) {
    this.opts = { log: () => {}, flushMs: 500, now: Date.now, ...opts };
  }

  static async open(opts: SyncIndexOptions): Promise<SyncIndex> {
    const idx = new SyncIndex(opts);
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const dirty = await idx.load();
    if (dirty || idx.fd === undefined) await idx.compact();
    return idx;
  }

  get path(): string {
    return join(this.opts.dir, LOG);
  }

  get(path: string): IndexEntry | undefined {
    return this.entries.get(path);
  }

  put(path: string, e: IndexEntry): void {
    this.entries.set(path, e);
    this.append({ p: path, s: e.size, m: e.mtimeMs, h: e.hash, r: e.remote });
  }

  delete(path: string): void {
    if (!this.entries.delete(path)) return;
    this.append({ p: path, d: 1 });
  }

  /** Writes what is buffered and waits until it is on disk. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.chain = this.chain.then(() => this.writeBuffered());
    return this.chain;
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.records > 2 * this.entries.size + 1000) await this.enqueue(() => this.compact());
    await this.enqueue(async () => {
      await this.fd?.close();
      this.fd = undefined;
    });
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(fn);
    return this.chain;
  }

  private append(rec: Rec): void {
    this.buffer.push(line(rec));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((err: unknown) => this.opts.log(`sync index: cannot write ${this.path}: ${(err as Error).message}`));
    }, this.opts.flushMs);
  }

  private async writeBuffered(): Promise<void> {
    if (this.buffer.length === 0 || !this.fd) return;
    const data = this.buffer.join('');
    this.records += this.buffer.length;
    this.buffer = [];
    await this.fd.write(data);
    await this.fd.datasync();
    if (this.records > 4 * this.entries.size + 10_000) await this.compact();
  }

  /** Reads the log into `entries`. Returns true when it should be rewritten (repairs, or no log yet). */
  private async load(): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw err;
    }
    const lines = text.split('\n');
    // A last line without its newline is an append the process did not finish.
    const torn = lines.pop() !== '';
    if (torn) this.opts.log(`sync index: dropped an unfinished last record in ${this.path}`);
    let bad = 0;
    const first = lines.length > 0 ? parseLine(lines[0]!) : undefined;
    const headerOk = first !== undefined && 'v' in first && first.v === VERSION;
    for (const l of lines.slice(headerOk ? 1 : 0)) {
      const rec = parseLine(l);
      if (!rec || 'v' in rec || typeof rec.p !== 'string') {
        bad++;
        continue;
      }
      if ('d' in rec) this.entries.delete(rec.p);
      else this.entries.set(rec.p, { size: rec.s, mtimeMs: rec.m, hash: rec.h, remote: rec.r });
    }
    if (!headerOk || bad > 0) {
      const aside = `${this.path}.corrupt-${this.opts.now()}`;
      await copyFile(this.path, aside);
      await chmod(aside, 0o600);
      this.opts.log(
        `sync index: ${this.path} is damaged (${headerOk ? `${bad} bad record(s)` : 'unknown header'}); ` +
        `kept ${this.entries.size} good entries, moved a copy to ${aside}; the start-up scan re-uploads anything not accounted for`,
      );
    }
    this.records = lines.length;
    this.fd = await open(this.path, 'a', 0o600);
    return torn || !headerOk || bad > 0;
  }

  /** Rewrites the log as one record per live entry: temp file, fsync, rename, directory fsync. */
  private async compact(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const h = await open(tmp, 'w', 0o600);
    try {
      const parts: string[] = [line({ v: VERSION })];
      for (const [p, e] of this.entries) parts.push(line({ p, s: e.size, m: e.mtimeMs, h: e.hash, r: e.remote }));
      // Written in slices so 100,000 entries never need one giant string.
      for (let i = 0; i < parts.length; i += 5000) await h.write(parts.slice(i, i + 5000).join(''));
      await h.sync();
    } finally {
      await h.close();
    }
    await this.fd?.close();
    await rename(tmp, this.path);
    await fsyncDir(this.opts.dir);
    this.records = this.entries.size + 1;
    this.fd = await open(this.path, 'a', 0o600);
  }
}
