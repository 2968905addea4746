// Target (account) stores for the CLI and the headless host. The desktop app has its own,
// encrypting tokens with safeStorage; the host's file store is owner-only (0600) plain JSON.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { TargetConfig, TargetStore } from '../engine/engine-api.js';
import { writeFileAtomic } from '../node/atomic-file.js';

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

  constructor(private readonly home: string) {}

  private get file(): string {
    return join(this.home, 'targets.json');
  }

  private async load(): Promise<TargetConfig[]> {
    if (this.cache) return this.cache;
    try {
      const parsed = JSON.parse(await fsp.readFile(this.file, 'utf8')) as unknown;
      this.cache = Array.isArray(parsed) ? (parsed as TargetConfig[]) : [];
    } catch {
      this.cache = [];
    }
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
    await fsp.mkdir(this.home, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, JSON.stringify(all, null, 2));
  }

  async remove(id: string): Promise<void> {
    if (this.volatile.delete(id)) return;
    this.cache = (await this.load()).filter((x) => x.id !== id);
    await writeFileAtomic(this.file, JSON.stringify(this.cache, null, 2));
  }
}
