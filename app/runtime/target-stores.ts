// Target (account) stores for the CLI and the headless host. The desktop app has its own,
// encrypting tokens with safeStorage; the host's file store is owner-only (0600) plain JSON.
import { join } from 'node:path';
import type { TargetConfig, TargetStore } from '../engine/engine-api.js';
import { readGuardedList, writeGuardedList } from '../node/guarded-json.js';

export class MemoryTargetStore implements TargetStore {
  private readonly map = new Map<string, TargetConfig>();

  constructor(initial: TargetConfig[] = []) {
    for (const t of initial) this.map.set(t.id, t);
  }

  async list(): Promise<TargetConfig[]> {
    return [...this.map.values()];
  }

  async get(id: string): Promise<TargetConfig | undefined> {
    return this.map.get(id);
  }

  async put(t: TargetConfig): Promise<void> {
    this.map.set(t.id, t);
  }

  async remove(id: string): Promise<void> {
    this.map.delete(id);
  }
}

/** Targets in `$FERRY_HOME/targets.json`; sandbox targets live only in memory (rebuilt each start). */
export class FileTargetStore implements TargetStore {
  private cache: TargetConfig[] | undefined;
  private readonly volatile = new Map<string, TargetConfig>();

  /** `warn` hears about a damaged targets.json (quarantined; the backup is used). */
  constructor(private readonly home: string, private readonly warn?: (message: string) => void) {}

  private get file(): string {
    return join(this.home, 'targets.json');
  }

  private async load(): Promise<TargetConfig[]> {
    if (this.cache) return this.cache;
    this.cache = await readGuardedList<TargetConfig>(this.file, { quarantineDir: join(this.home, 'quarantine'), ...(this.warn ? { warn: this.warn } : {}) });
    return this.cache;
  }

  async list(): Promise<TargetConfig[]> {
    return [...this.volatile.values(), ...(await this.load())];
  }

  async get(id: string): Promise<TargetConfig | undefined> {
    return this.volatile.get(id) ?? (await this.load()).find((t) => t.id === id);
  }

  async put(t: TargetConfig): Promise<void> {
    if (t.sandbox) {
      this.volatile.set(t.id, t);
      return;
    }
    const all = (await this.load()).filter((x) => x.id !== t.id);
    all.push(t);
    this.cache = all;
    await writeGuardedList(this.file, all);
  }

  async remove(id: string): Promise<void> {
    if (this.volatile.delete(id)) return;
    this.cache = (await this.load()).filter((x) => x.id !== id);
    await writeGuardedList(this.file, this.cache);
  }
}
