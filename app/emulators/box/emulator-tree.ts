// The emulator's folder tree: Box addresses items by id, the file store by path. Folder and
// file names share one namespace per folder (Box rejects a file named like a sibling folder).
// Every check-then-insert here is synchronous, so concurrent requests cannot both win a name.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { BoxFile, BoxFolder, BoxMiniItem } from '../../providers/box/wire.js';
import { ROOT_FOLDER_ID } from '../../providers/box/wire.js';

export interface TreeFolder {
  id: string;
  name: string;
  parentId: string | null;
}

export interface TreeFile {
  id: string;
  name: string;
  parentId: string;
  size: number;
  /** Hex SHA-1 of the stored bytes; computed lazily for files found on disk at start-up. */
  sha1: string | undefined;
  /** Bumped on every new version. */
  version: number;
}

export class BoxTree {
  private readonly folders = new Map<string, TreeFolder>([[ROOT_FOLDER_ID, { id: ROOT_FOLDER_ID, name: 'All Files', parentId: null }]]);
  private readonly files = new Map<string, TreeFile>();
  private nextId = 1000;

  newId(): string {
    return String(this.nextId++);
  }

  folder(id: string): TreeFolder | undefined {
    return this.folders.get(id);
  }

  file(id: string): TreeFile | undefined {
    return this.files.get(id);
  }

  /** Children of a folder, folders first then by name (Box's default order). */
  /** Bytes held by every file: what counts against the account's storage. */
  usedBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.size;
    return n;
  }

  children(folderId: string): (TreeFolder | TreeFile)[] {
    const subfolders = [...this.folders.values()].filter((f) => f.parentId === folderId);
    const files = [...this.files.values()].filter((f) => f.parentId === folderId);
    const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    return [...subfolders.sort(byName), ...files.sort(byName)];
  }

  /** The item of that name in the folder, file or folder. Box compares names case-insensitively. */
  named(folderId: string, name: string): TreeFolder | TreeFile | undefined {
    const key = name.toLowerCase();
    for (const f of this.folders.values()) if (f.parentId === folderId && f.name.toLowerCase() === key) return f;
    for (const f of this.files.values()) if (f.parentId === folderId && f.name.toLowerCase() === key) return f;
    return undefined;
  }

  isFile(item: TreeFolder | TreeFile): item is TreeFile {
    return this.files.has(item.id) && 'size' in item;
  }

  addFolder(parentId: string, name: string): TreeFolder {
    const f = { id: this.newId(), name, parentId };
    this.folders.set(f.id, f);
    return f;
  }

  addFile(parentId: string, name: string, size: number, sha1: string | undefined): TreeFile {
    const f: TreeFile = { id: this.newId(), name, parentId, size, sha1, version: 1 };
    this.files.set(f.id, f);
    return f;
  }

  removeFile(id: string): void {
    this.files.delete(id);
  }

  /** Remote path of a folder from the root, '' for the root itself. */
  folderPath(id: string): string {
    const names: string[] = [];
    for (let f = this.folders.get(id); f && f.parentId !== null; f = this.folders.get(f.parentId)) names.unshift(f.name);
    return names.length === 0 ? '' : '/' + names.join('/');
  }

  filePath(f: { parentId: string; name: string }): string {
    return `${this.folderPath(f.parentId)}/${f.name}`;
  }

  mini(item: TreeFolder | TreeFile): BoxMiniItem {
    if (this.isFile(item)) {
      return { type: 'file', id: item.id, name: item.name, etag: String(item.version - 1), sequence_id: String(item.version - 1), ...(item.sha1 ? { sha1: item.sha1 } : {}) };
    }
    return { type: 'folder', id: item.id, name: item.name, etag: '0', sequence_id: '0' };
  }

  folderJson(f: TreeFolder): BoxFolder {
    const parent = f.parentId === null ? null : this.folders.get(f.parentId);
    return {
      type: 'folder', id: f.id, name: f.name, etag: '0', sequence_id: '0',
      parent: parent ? { type: 'folder', id: parent.id, name: parent.name } : null,
    };
  }

  /** `reportedSha1` lets the emulator lie about the digest (fault row 29). */
  fileJson(f: TreeFile, reportedSha1: string): BoxFile {
    const parent = this.folders.get(f.parentId);
    return {
      type: 'file', id: f.id, etag: String(f.version - 1), sequence_id: String(f.version - 1), name: f.name,
      size: f.size, sha1: reportedSha1,
      parent: { type: 'folder', id: f.parentId, ...(parent ? { name: parent.name } : {}) },
      file_version: { type: 'file_version', id: `${f.id}${f.version}`, sha1: reportedSha1 },
    };
  }

  /** Rebuilds folders and files from a data directory's `files/` tree (a restarted sandbox). */
  async load(filesRoot: string): Promise<void> {
    const walk = async (dir: string, folderId: string): Promise<void> => {
      const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const abs = join(dir, e.name);
        if (e.isDirectory()) await walk(abs, this.addFolder(folderId, e.name).id);
        else if (e.isFile()) this.addFile(folderId, e.name, (await fsp.stat(abs)).size, undefined);
      }
    };
    await walk(filesRoot, ROOT_FOLDER_ID);
  }
}

/** Box rejects empty names, '.', '..', names with '/' or '\\', edge spaces and names over 255 bytes. */
export function validItemName(name: unknown): name is string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..') return false;
  if (/[/\\\0]/.test(name) || name !== name.trim()) return false;
  return Buffer.byteLength(name) <= 255;
}
