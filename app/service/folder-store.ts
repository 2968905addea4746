// Watched folders are preferences (a short list), kept in one JSON file written atomically.
// Starting and stopping the actual watch belongs to folder sync; see `FolderWatching`.
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import type { WatchedFolder } from '../common/api.js';
import { writeFileAtomic } from '../node/atomic-file.js';

export interface FolderStore {
  list(): Promise<WatchedFolder[]>;
  put(f: WatchedFolder): Promise<void>;
  remove(id: string): Promise<void>;
}

export class JsonFolderStore implements FolderStore {
  constructor(private readonly path: string) {}

  async list(): Promise<WatchedFolder[]> {
    const text = await fsp.readFile(this.path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '[]';
      throw e;
    });
    try {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? (parsed as WatchedFolder[]) : [];
    } catch {
      // A damaged preferences file must not stop the app; the user re-adds the folders.
      return [];
    }
  }

  async put(f: WatchedFolder): Promise<void> {
    const all = (await this.list()).filter((x) => x.id !== f.id);
    await this.save([...all, f]);
  }

  async remove(id: string): Promise<void> {
    await this.save((await this.list()).filter((x) => x.id !== id));
  }

  private async save(all: WatchedFolder[]): Promise<void> {
    await fsp.mkdir(dirname(this.path), { recursive: true });
    await writeFileAtomic(this.path, JSON.stringify(all, null, 2));
  }
}

/** What folder sync offers the shells; optional until sync is wired. */
export interface FolderWatching {
  watch(f: WatchedFolder): Promise<void>;
  unwatch(id: string): Promise<void>;
}
