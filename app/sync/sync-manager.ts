// All watched folders of one process (desktop main or headless host): starts a SyncFolder per
// WatchedFolder, keeps its state under $FERRY_HOME/sync/<folder id>, and reports each folder's
// events with its id. Implements the shells' FolderWatching contract (app/service/folder-store.ts).
import { join } from 'node:path';
import type { Engine } from '../engine/engine-api.js';
import type { SyncEvent } from './sync-events.js';
import { SyncFolder, type SyncFolderConfig } from './sync-folder.js';
import type { Watcher } from '../engine/watcher.js';

export interface WatchedFolderSpec {
  id: string;
  localPath: string;
  targetId: string;
  remoteDir: string;
}

export interface SyncManagerDeps {
  engine: Engine;
  /** $FERRY_HOME */
  home: string;
  watcher: Watcher;
  /** Roots never uploaded from any watched folder; $FERRY_HOME is always among them. */
  denied?: () => readonly string[];
  onEvent?: (folderId: string, e: SyncEvent) => void;
  log?: (line: string) => void;
  /** Tuning for every folder (tests shorten the windows). */
  tuning?: Pick<SyncFolderConfig, 'stability' | 'aggregator' | 'pollMs' | 'rescanIntervalMs' | 'restart' | 'hashMaxBytes'>;
}

export class SyncManager {
  private readonly folders = new Map<string, SyncFolder>();

  constructor(private readonly deps: SyncManagerDeps) {}

  /** Starts watching; resolves after the start-up scan. Watching an already watched id restarts it. */
  async watch(f: WatchedFolderSpec): Promise<void> {
    await this.unwatch(f.id);
    const folder = new SyncFolder(
      { ...this.deps.tuning, id: f.id, root: f.localPath, targetId: f.targetId, remoteDir: f.remoteDir, stateDir: join(this.deps.home, 'sync', f.id),
        denied: [this.deps.home, ...(this.deps.denied?.() ?? [])], ferryHome: this.deps.home },
      { engine: this.deps.engine, watcher: this.deps.watcher, onEvent: (e) => this.deps.onEvent?.(f.id, e), log: this.deps.log },
    );
    this.folders.set(f.id, folder);
    try {
      await folder.start();
    } catch (err) {
      this.folders.delete(f.id);
      await folder.stop();
      throw err;
    }
  }

  async unwatch(id: string): Promise<void> {
    const f = this.folders.get(id);
    this.folders.delete(id);
    await f?.stop();
  }

  get(id: string): SyncFolder | undefined {
    return this.folders.get(id);
  }

  async close(): Promise<void> {
    await Promise.all([...this.folders.keys()].map((id) => this.unwatch(id)));
  }
}
