// The emulator's drive: item ids, where a finished upload lands under the conflict behaviour,
// and the driveItem JSON Graph answers with (hashes included).
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import { QuickXorHash } from '../../node/quickxor-hash.js';
import { FileStore, NameConflictError, cleanRemotePath } from '../kit/file-store.js';
import { GraphReply } from './emulator-reply.js';
import type { ResolvedOnedriveOptions } from './emulator-options.js';
import type { ConflictBehavior, DriveItemJson } from '../../providers/onedrive/wire.js';

export interface StoredHashes {
  quickXor: Buffer;
  sha1?: Buffer;
}

interface ItemMeta {
  id: string;
  size: number;
  hashes: StoredHashes;
  created: number;
  modified: number;
  version: number;
}

export class Drive {
  private readonly ids = new Map<string, string>([['/', 'root']]);
  private readonly paths = new Map<string, string>([['root', '/']]);
  private readonly items = new Map<string, ItemMeta>();

  constructor(readonly store: FileStore, private readonly opts: ResolvedOnedriveOptions, private readonly now: () => number) {}

  idFor(path: string): string {
    let id = this.ids.get(path);
    if (!id) {
      id = `01EMU${randomBytes(8).toString('hex').toUpperCase()}`;
      this.ids.set(path, id);
      this.paths.set(id, path);
    }
    return id;
  }

  /** The folder path for `/items/{id}` addressing; only ids this drive handed out (or 'root'). */
  folderPath(id: string): string {
    const p = this.paths.get(id);
    if (p === undefined || this.items.has(p)) throw new GraphReply(404, 'itemNotFound', `no folder has the id ${id}`);
    return p;
  }

  /** Creates the parent folders of `path` as Graph does when addressing by path. */
  async ensureParents(path: string): Promise<void> {
    const parent = posix.dirname(path);
    if (parent !== '/') await this.store.mkdir(parent);
    for (let p = parent; p !== '/'; p = posix.dirname(p)) this.idFor(p);
  }

  async exists(path: string): Promise<boolean> {
    return this.store.exists(path);
  }

  /** Where an upload for `path` lands: rename → "name 1.ext" style [U], replace → same path, fail → 409. */
  async place(path: string, behavior: ConflictBehavior): Promise<{ path: string; replaced: boolean }> {
    try {
      const placed = await this.store.placeFor(path, behavior, 'space');
      return { path: placed, replaced: placed === cleanRemotePath(path) && (await this.store.exists(placed)) };
    } catch (e) {
      if (e instanceof NameConflictError) {
        throw new GraphReply(409, 'nameAlreadyExists', `an item named ${JSON.stringify(posix.basename(path))} already exists in ${posix.dirname(path)}`);
      }
      throw e;
    }
  }

  /**
   * Refuses `size` more bytes when they would not fit the quota: Graph's 507 quotaLimitReached
   * (status and code: OneDrive API error docs; message as Graph sends it, see README). A file
   * being replaced frees its own bytes.
   */
  checkQuota(size: number, replacing?: string): void {
    if (!Number.isFinite(this.opts.quotaBytes)) return;
    const used = this.usedBytes(replacing);
    if (used + size > this.opts.quotaBytes) throw new GraphReply(507, 'quotaLimitReached', 'Insufficient Space Available');
  }

  usedBytes(except?: string): number {
    let used = 0;
    for (const [p, m] of this.items) if (p !== except) used += m.size;
    return used;
  }

  /** GET /v1.0/me/drive (or /drives/{id}, /sites/{id}/drive): a drive resource with its quota (README "Drive resource"). */
  driveJson(): Record<string, unknown> {
    const used = this.usedBytes();
    const total = Number.isFinite(this.opts.quotaBytes) ? this.opts.quotaBytes : 1_099_511_627_776;
    return {
      id: this.opts.driveId, driveType: 'business', name: 'OneDrive',
      owner: { user: { displayName: 'Emulated User', id: 'emulated-user-id' } },
      quota: { total, used, remaining: Math.max(0, total - used), deleted: 0, state: used >= total ? 'exceeded' : 'normal' },
    };
  }

  /** Records a finished file (stored by the caller) and returns its driveItem. */
  record(path: string, size: number, hashes: StoredHashes): DriveItemJson {
    const t = this.now();
    const prev = this.items.get(path);
    const meta: ItemMeta = { id: this.idFor(path), size, hashes, created: prev?.created ?? t, modified: t, version: (prev?.version ?? 0) + 1 };
    this.items.set(path, meta);
    return this.itemJson(path, meta);
  }

  /** The driveItem of a stored file, hashing it when this run did not upload it. */
  async item(path: string): Promise<DriveItemJson | undefined> {
    let meta = this.items.get(path);
    if (!meta) {
      if (this.store.discard || !(await this.store.exists(path))) return undefined;
      const q = new QuickXorHash();
      let size = 0;
      for await (const c of createReadStream(this.store.storedPath(path))) {
        q.update(c as Buffer);
        size += (c as Buffer).length;
      }
      const t = this.now();
      meta = { id: this.idFor(path), size, hashes: { quickXor: q.digest() }, created: t, modified: t, version: 1 };
      this.items.set(path, meta);
    }
    return this.itemJson(path, meta);
  }

  private itemJson(path: string, m: ItemMeta): DriveItemJson {
    const parent = posix.dirname(path);
    const quickXor = Buffer.from(m.hashes.quickXor);
    // Fault row 29: a server that reports a digest other than the bytes' own.
    if (this.opts.wrongQuickXorHash) quickXor[0]! ^= 0xff;
    return {
      id: m.id,
      name: posix.basename(path),
      size: m.size,
      eTag: `"{${m.id}},${m.version}"`,
      cTag: `"c:{${m.id}},${m.version}"`,
      createdDateTime: new Date(m.created).toISOString(),
      lastModifiedDateTime: new Date(m.modified).toISOString(),
      parentReference: { driveId: this.opts.driveId, id: this.idFor(parent), path: parent === '/' ? '/drive/root:' : `/drive/root:${parent}` },
      file: {
        mimeType: 'application/octet-stream',
        hashes: {
          quickXorHash: quickXor.toString('base64'),
          ...(this.opts.reportSha1 && m.hashes.sha1 ? { sha1Hash: m.hashes.sha1.toString('hex').toUpperCase() } : {}),
        },
      },
    };
  }
}
