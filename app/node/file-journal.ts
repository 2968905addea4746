// The journal as one small JSON file per transfer under $FERRY_HOME/transfers, each written
// atomically (atomic-file.ts) and carrying a SHA-256 of its body. A record that fails to parse
// or to verify is moved to $FERRY_HOME/quarantine with a log line; start-up never throws on it.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_SCHEMA, type Claim, type Journal, type JournalRecord } from '../engine/journal.js';
import type { Logger } from '../engine/ports.js';
import { TEMP_MARK, writeFileAtomic } from './atomic-file.js';
import { processAlive as alive } from './process-alive.js';

interface Envelope {
  sha256: string;
  record: JournalRecord;
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export class FileJournal implements Journal {
  private readonly dir: string;
  private readonly quarantineDir: string;
  private ready = false;

  constructor(home: string, private readonly log: Logger) {
    this.dir = join(home, 'transfers');
    this.quarantineDir = join(home, 'quarantine');
  }

  async load(): Promise<JournalRecord[]> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const out: JournalRecord[] = [];
    for (const name of await fsp.readdir(this.dir)) {
      const path = join(this.dir, name);
      if (name.includes(TEMP_MARK)) {
        // A write that never reached its rename: the previous version is intact.
        await fsp.rm(path, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const rec = await this.read(path);
      if (rec) out.push(rec);
      else await this.quarantine(path, name);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  private async read(path: string): Promise<JournalRecord | undefined> {
    try {
      const env = JSON.parse(await fsp.readFile(path, 'utf8')) as Envelope;
      const body = JSON.stringify(env.record);
      if (typeof env.sha256 !== 'string' || digest(body) !== env.sha256) return undefined;
      const r = env.record;
      if (r.v !== JOURNAL_SCHEMA || typeof r.id !== 'string' || !ID_RE.test(r.id) || typeof r.localPath !== 'string') return undefined;
      return r;
    } catch {
      return undefined;
    }
  }

  private async quarantine(path: string, name: string): Promise<void> {
    await fsp.mkdir(this.quarantineDir, { recursive: true, mode: 0o700 });
    const dest = join(this.quarantineDir, `${Date.now()}-${name}`);
    await fsp.rename(path, dest).catch(() => fsp.rm(path, { force: true }));
    this.log.warn(`journal record ${path} is unreadable (torn or corrupt): moved to ${dest}; other transfers are unaffected`, { topic: 'journal', file: name, movedTo: dest });
  }

  async put(r: JournalRecord): Promise<void> {
    if (!ID_RE.test(r.id)) throw new Error(`invalid transfer id ${r.id}`);
    const body = JSON.stringify(r);
    // The envelope repeats the body verbatim so the checksum covers exactly what is parsed.
    const text = `{"sha256":"${digest(body)}","record":${body}}\n`;
    if (!this.ready) {
      await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
      this.ready = true;
    }
    await writeFileAtomic(join(this.dir, `${r.id}.json`), text);
  }

  /**
   * A lock file per running upload, created exclusively and holding the owner's pid. A lock left
   * by a process that no longer exists (a crash, a SIGKILL) is stale and taken over.
   */
  async claim(id: string): Promise<Claim> {
    if (!ID_RE.test(id)) throw new Error(`invalid transfer id ${id}`);
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${id}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await fsp.writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
        return { ok: true, release: () => fsp.rm(path, { force: true }) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number(await fsp.readFile(path, 'utf8').catch(() => ''));
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) return { ok: false, holder: `process ${pid}` };
        await fsp.rm(path, { force: true });
      }
    }
    return { ok: false, holder: 'another process' };
  }

  async remove(id: string): Promise<void> {
    if (!ID_RE.test(id)) return;
    await fsp.rm(join(this.dir, `${id}.json`), { force: true });
  }
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
