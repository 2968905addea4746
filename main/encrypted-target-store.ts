// Targets for the desktop app, kept in the preferences file with each token encrypted by the
// OS (Electron safeStorage: Keychain, DPAPI, libsecret/kwallet). Where the OS offers no
// encryption the token is stored as plain text, marked so, and the window shows a warning.
// The sandbox target lives in memory (its emulator and token are made fresh at each start).
import type { TargetConfig, TargetStore } from '../app/engine/engine-api.js';

export interface SecretBox {
  /** False when only plain text is possible (Linux without a keyring: "basic_text"). */
  available(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

export interface KeyValue {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

type StoredTarget = Omit<TargetConfig, 'token'> & { token: { kind: 'os' | 'plain'; data: string } };

const KEY = 'targets';

export class EncryptedTargetStore implements TargetStore {
  private readonly volatile = new Map<string, TargetConfig>();

  constructor(private readonly kv: KeyValue, private readonly box: SecretBox) {}

  async list(): Promise<TargetConfig[]> {
    return [...this.volatile.values(), ...this.stored().map((s) => this.open(s))];
  }

  async get(id: string): Promise<TargetConfig | undefined> {
    return (await this.list()).find((t) => t.id === id);
  }

  async put(t: TargetConfig): Promise<void> {
    if (t.sandbox) {
      this.volatile.set(t.id, t);
      return;
    }
    const token = this.box.available()
      ? { kind: 'os' as const, data: this.box.encrypt(t.token).toString('base64') }
      : { kind: 'plain' as const, data: t.token };
    const rest = this.stored().filter((s) => s.id !== t.id);
    this.kv.set(KEY, [...rest, { ...t, token }]);
  }

  async remove(id: string): Promise<void> {
    if (this.volatile.delete(id)) return;
    this.kv.set(KEY, this.stored().filter((s) => s.id !== id));
  }

  private stored(): StoredTarget[] {
    const v = this.kv.get(KEY);
    return Array.isArray(v) ? (v as StoredTarget[]) : [];
  }

  private open(s: StoredTarget): TargetConfig {
    let token = '';
    try {
      token = s.token.kind === 'os' ? this.box.decrypt(Buffer.from(s.token.data, 'base64')) : s.token.data;
    } catch {
      // A token sealed under another OS account or keyring cannot be opened: the target stays
      // listed without one, and the connection test tells the user to enter it again.
    }
    return { ...s, token };
  }
}

export function tokenWarning(box: SecretBox): string | undefined {
  return box.available() ? undefined
    : 'This system offers no credential encryption (no keyring found): tokens you add are stored in plain text in Ferry\'s settings file.';
}
