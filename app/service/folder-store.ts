// Watched folders are preferences (a short list), kept in one JSON file written atomically.
// Starting and stopping the actual watch belongs to folder sync; see `FolderWatching`.
import { dirname, join } from 'node:path';
import type { WatchedFolder } from '../common/api.js';
import { readGuardedList, writeGuardedList, type GuardedJsonOptions } from '../node/guarded-json.js';

export interface FolderStore {
  list(): Promise<WatchedFolder[]>;
  put(f: WatchedFolder): Promise<void>;
  remove(id: string): Promise<void>;
}

export class JsonFolderStore implements FolderStore {
  private readonly guard: GuardedJsonOptions;

  /** A damaged file goes to `quarantineDir` (default: `quarantine` beside it) with a warning; its backup is used. */
  constructor(private readonly path: string, o: Partial<GuardedJsonOptions> = {}) {
    this.guard = { quarantineDir: o.quarantineDir ?? join(dirname(path), 'quarantine'), ...(o.warn ? { warn: o.warn } : {}) };
  }

  async list(): Promise<WatchedFolder[]> {
    // A damaged preferences file must not stop the app, nor lose the folders.
    return readGuardedList<WatchedFolder>(this.path, this.guard);
  }

  async put(f: WatchedFolder): Promise<void> {
    const all = (await this.list()).filter((x) => x.id !== f.id);
    await this.save([...all, f]);
  }

  async remove(id: string): Promise<void> {
    await this.save((await this.list()).filter((x) => x.id !== id));
  }

  private async save(all: WatchedFolder[]): Promise<void> {
    await writeGuardedList(this.path, all);
  }
}

/** What folder sync offers the shells; optional until sync is wired. */
export interface FolderWatching {
  watch(f: WatchedFolder): Promise<void>;
  unwatch(id: string): Promise<void>;
}
