// Bytes held by the Synapse emulator, laid out like the real system: temporary part objects
// (what a presigned PUT writes), parts added to the multipart upload, the assembled object of
// each file handle, and entity files under `files/<parentId>/<name>` for /_emulator/files.
// In discard mode only sizes and MD5s are kept.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import type { RequestContext } from '../kit/emulator-host.js';
import type { EmulatorFile } from '../kit/emulator-types.js';
import { FileStore } from '../kit/file-store.js';
import { writeBody } from '../kit/http-io.js';

export interface StoredPart {
  md5: string;
  size: number;
}

const safe = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_');

export class EmulatorBlobs {
  private readonly temps = new Map<string, StoredPart>();
  private readonly discarded = new Map<string, EmulatorFile>();
  private readonly files: FileStore;

  constructor(private readonly dataDir: string | undefined, now: () => number = Date.now) {
    this.files = new FileStore(dataDir, now);
  }

  private tempPath(uploadId: string, part: number): string {
    return join(this.dataDir!, 's3-temp', safe(uploadId), String(part));
  }

  private addedPath(uploadId: string, part: number): string {
    return join(this.dataDir!, 's3-parts', safe(uploadId), String(part));
  }

  handlePath(handleId: string): string {
    return join(this.dataDir!, 'handles', safe(handleId));
  }

  /**
   * Stores a presigned PUT body as the temporary object `<uploadId>/<part>`. Like S3, an
   * interrupted body leaves no object (and a re-PUT replaces the old one only when complete).
   */
  async putTemp(uploadId: string, part: number, req: IncomingMessage, expected: number, ctx: RequestContext): Promise<StoredPart | undefined> {
    const key = `${uploadId}/${part}`;
    if (!this.dataDir) {
      const r = await writeBody(req, { position: 0, expected, hashes: ['md5'], ctx });
      if (!r.complete) return undefined;
      const obj = { md5: r.digests.md5!.toString('hex'), size: r.bytes };
      this.temps.set(key, obj);
      return obj;
    }
    const dest = this.tempPath(uploadId, part);
    const incoming = `${dest}.incoming-${randomBytes(4).toString('hex')}`;
    await fsp.mkdir(dirname(dest), { recursive: true });
    const fh = await fsp.open(incoming, 'w');
    let r;
    try {
      r = await writeBody(req, { fh, position: 0, expected, hashes: ['md5'], ctx });
    } finally {
      await fh.close();
    }
    if (!r.complete) {
      await fsp.rm(incoming, { force: true });
      return undefined;
    }
    await fsp.rename(incoming, dest);
    const obj = { md5: r.digests.md5!.toString('hex'), size: r.bytes };
    this.temps.set(key, obj);
    return obj;
  }

  temp(uploadId: string, part: number): StoredPart | undefined {
    return this.temps.get(`${uploadId}/${part}`);
  }

  /** The add-part copy: the temporary object becomes part of the upload and is deleted. */
  async consumeTemp(uploadId: string, part: number): Promise<void> {
    this.temps.delete(`${uploadId}/${part}`);
    if (!this.dataDir) return;
    const dest = this.addedPath(uploadId, part);
    await fsp.mkdir(dirname(dest), { recursive: true });
    await fsp.rename(this.tempPath(uploadId, part), dest);
  }

  /** Concatenates parts 1..n into the file handle's object; returns its size and (stored bytes') MD5. */
  async assemble(uploadId: string, parts: StoredPart[], handleId: string): Promise<{ size: number; md5: string | null }> {
    const size = parts.reduce((s, p) => s + p.size, 0);
    if (!this.dataDir) return { size, md5: null };
    const dest = this.handlePath(handleId);
    await fsp.mkdir(dirname(dest), { recursive: true });
    const md5 = createHash('md5');
    const out = await fsp.open(`${dest}.incoming`, 'w');
    try {
      let pos = 0;
      for (let n = 1; n <= parts.length; n++) {
        for await (const c of createReadStream(this.addedPath(uploadId, n))) {
          const b = c as Buffer;
          md5.update(b);
          await out.write(b, 0, b.length, pos);
          pos += b.length;
        }
      }
      await out.sync();
    } finally {
      await out.close();
    }
    await fsp.rename(`${dest}.incoming`, dest);
    await fsp.rm(join(this.dataDir, 's3-parts', safe(uploadId)), { recursive: true, force: true });
    return { size, md5: md5.digest('hex') };
  }

  /** Cleanup of an abandoned upload: its temporary and added parts go. */
  async clear(uploadId: string): Promise<void> {
    for (const k of [...this.temps.keys()]) if (k.startsWith(`${uploadId}/`)) this.temps.delete(k);
    if (!this.dataDir) return;
    await fsp.rm(join(this.dataDir, 's3-temp', safe(uploadId)), { recursive: true, force: true });
    await fsp.rm(join(this.dataDir, 's3-parts', safe(uploadId)), { recursive: true, force: true });
  }

  /**
   * Makes a file handle visible as `/<parentId>/<name>` (a hard link: entities share handles);
   * `replace` (a new version of the entity) puts the new handle's bytes in place of the old.
   */
  async placeEntity(handleId: string, parentId: string, name: string, size: number, replace = false): Promise<void> {
    const path = `/${parentId}/${name}`;
    if (!this.dataDir) {
      this.discarded.set(path, { path, size, sha256: null });
      return;
    }
    const dest = this.files.storedPath(path);
    await fsp.mkdir(dirname(dest), { recursive: true });
    if (replace) await fsp.rm(dest, { force: true });
    await fsp.link(this.handlePath(handleId), dest).catch(() => fsp.copyFile(this.handlePath(handleId), dest));
  }

  async list(): Promise<EmulatorFile[]> {
    return this.dataDir ? this.files.list() : [...this.discarded.values()];
  }
}
