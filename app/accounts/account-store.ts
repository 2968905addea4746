// Account metadata (no secrets) in $FERRY_HOME/accounts/<name>.json, one file per account so two
// processes refreshing two accounts never rewrite each other's file. Always read from disk: another
// process (a `ferry remote reconnect`, a refresh) may have changed it a moment ago.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../common/errors.js';
import { writeFileAtomic } from '../node/atomic-file.js';
import { validAccountName, type Account } from './credential.js';

export interface AccountStore {
  list(): Promise<Account[]>;
  get(name: string): Promise<Account | undefined>;
  put(a: Account): Promise<void>;
  remove(name: string): Promise<void>;
}

export class FileAccountStore implements AccountStore {
  constructor(readonly dir: string) {}

  private path(name: string): string {
    if (!validAccountName(name)) throw new FerryError('bad-input', `'${name}' is not a valid remote name: use letters, digits, - and _ (at most 64)`);
    return join(this.dir, `${name}.json`);
  }

  async list(): Promise<Account[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return [];
    }
    const out: Account[] = [];
    for (const f of names.sort()) {
      const m = /^([A-Za-z0-9][A-Za-z0-9_-]*)\.json$/.exec(f);
      if (!m) continue;
      const a = await this.get(m[1]!).catch(() => undefined);
      if (a) out.push(a);
    }
    return out;
  }

  async get(name: string): Promise<Account | undefined> {
    try {
      return JSON.parse(await fsp.readFile(this.path(name), 'utf8')) as Account;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (e instanceof FerryError) throw e;
      throw new FerryError('journal-corrupt', `the settings of remote ${name} cannot be read (${(e as Error).message}); remove and add it again`);
    }
  }

  async put(a: Account): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path(a.name), JSON.stringify(a, null, 2));
  }

  async remove(name: string): Promise<void> {
    await fsp.rm(this.path(name), { force: true });
  }
}

export class MemoryAccountStore implements AccountStore {
  private readonly map = new Map<string, Account>();
  async list(): Promise<Account[]> {
    return [...this.map.values()].map((a) => ({ ...a }));
  }
  async get(name: string): Promise<Account | undefined> {
    const a = this.map.get(name);
    return a && { ...a };
  }
  async put(a: Account): Promise<void> {
    this.map.set(a.name, { ...a });
  }
  async remove(name: string): Promise<void> {
    this.map.delete(name);
  }
}
