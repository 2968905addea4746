// Where account secrets rest. The port is a keyring's shape (service/account → one string) so an
// OS keyring (macOS Keychain, Windows Credential Manager, libsecret) can implement it; this build
// has none installed (@napi-rs/keyring would be the adapter), so `FileSecretStore` is used:
// one owner-only (0600) JSON file per account under $FERRY_HOME/accounts/, replaced atomically.
// That file is NOT encrypted: anyone who can read your user's files can read the tokens, as with
// rclone.conf without RCLONE_CONFIG_PASS. `describe()` says which store is in use, plainly.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../common/errors.js';
import { writeFileAtomic } from '../node/atomic-file.js';
import { validAccountName, type Secret } from './credential.js';

export interface SecretStore {
  get(account: string): Promise<Secret | undefined>;
  /** Durable when it resolves (a rotated refresh token must survive a crash right after). */
  set(account: string, secret: Secret): Promise<void>;
  delete(account: string): Promise<void>;
  /** One sentence for `ferry remote show`: where the secrets are and how they are protected. */
  describe(): string;
}

export class FileSecretStore implements SecretStore {
  constructor(private readonly dir: string) {}

  private path(account: string): string {
    if (!validAccountName(account)) throw new FerryError('bad-input', `'${account}' is not a valid account name`);
    return join(this.dir, `${account}.secret.json`);
  }

  async get(account: string): Promise<Secret | undefined> {
    let text: string;
    try {
      text = await fsp.readFile(this.path(account), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new FerryError('internal', `cannot read the credentials of account ${account}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    try {
      const v = JSON.parse(text) as unknown;
      return v && typeof v === 'object' ? (v as Secret) : undefined;
    } catch {
      // Atomic writes make a torn file impossible; a hand-edited one is reported, not echoed.
      throw new FerryError('journal-corrupt', `the credentials file of account ${account} is not valid JSON; sign in again`);
    }
  }

  async set(account: string, secret: Secret): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    // writeFileAtomic creates its temp file 0600, fsyncs it and the directory after the rename.
    await writeFileAtomic(this.path(account), JSON.stringify(secret));
  }

  async delete(account: string): Promise<void> {
    await fsp.rm(this.path(account), { force: true });
  }

  describe(): string {
    return `a file readable only by you (mode 0600, not encrypted) in ${this.dir}; no OS keyring is available in this build`;
  }
}

/** For tests and the sandbox: secrets only in memory. */
export class MemorySecretStore implements SecretStore {
  private readonly map = new Map<string, Secret>();
  async get(account: string): Promise<Secret | undefined> {
    const s = this.map.get(account);
    return s && { ...s };
  }
  async set(account: string, secret: Secret): Promise<void> {
    this.map.set(account, { ...secret });
  }
  async delete(account: string): Promise<void> {
    this.map.delete(account);
  }
  describe(): string {
    return 'memory only (lost when Ferry exits)';
  }
}
