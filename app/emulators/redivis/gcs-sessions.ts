// The GCS resumable sessions behind both the Redivis API and the plain GCS initiation: where each
// session stands (bytes held, declared total, expiry, deleted or complete), the running digests of
// the held bytes, and the object resource made on the last byte.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';
import type { FileStore } from '../kit/file-store.js';
import type { GcsObject } from '../../providers/redivis/wire.js';

export interface GcsSession {
  id: string;
  bucket: string;
  objectName: string;
  /** Sessions made by the Redivis API wait for a finalize on their table; GCS ones land at `/{bucket}/{name}`. */
  origin: { kind: 'redivis'; table: string } | { kind: 'gcs' };
  /** Total from the session's creation (Redivis `size`, `X-Upload-Content-Length`) or the first `/total` seen. */
  total?: number;
  held: number;
  createdAt: number;
  expiresAt: number;
  contentType: string;
  state: 'open' | 'complete' | 'deleted';
  object?: GcsObject;
  /** 'xml' once started through the XML API (`x-goog-resumable: start` on a signed URL): its last answer has no JSON. */
  api: 'json' | 'xml';
  /** Redivis upload name once finalized (a session finalizes once). */
  finalizedAs?: string;
  md5?: Hash;
  /** Running CRC32C (Castagnoli) of the held bytes, native: the table version in JS was this emulator's slowest pass. */
  crc?: number;
  /** Requests on one session run one at a time (GCS gives concurrent writers no guarantee). */
  lock: Promise<void>;
}

export type Lookup = { kind: 'ok'; session: GcsSession } | { kind: 'gone'; why: 'unknown' | 'deleted' | 'expired' };

export class GcsSessions {
  private readonly byId = new Map<string, GcsSession>();

  constructor(
    private readonly store: FileStore,
    private readonly now: () => number,
    private readonly hashing: boolean,
  ) {}

  async create(o: { bucket: string; objectName: string | ((id: string) => string); origin: GcsSession['origin']; total?: number; ttlMs: number; contentType?: string }): Promise<GcsSession> {
    const id = `UP${randomBytes(12).toString('hex')}`;
    const t = this.now();
    const s: GcsSession = {
      id, bucket: o.bucket, objectName: typeof o.objectName === 'string' ? o.objectName : o.objectName(id), origin: o.origin, held: 0, createdAt: t, expiresAt: t + o.ttlMs,
      contentType: o.contentType ?? 'application/octet-stream', state: 'open', api: 'json', lock: Promise.resolve(),
      ...(o.total !== undefined ? { total: o.total } : {}),
      ...(this.hashing ? { md5: createHash('md5'), crc: 0 } : {}),
    };
    // The part file exists from the start, so an empty upload commits like any other.
    const fh = await this.store.openPart(id);
    await fh?.close();
    this.byId.set(id, s);
    return s;
  }

  lookup(id: string | null): Lookup {
    const s = id ? this.byId.get(id) : undefined;
    if (!s) return { kind: 'gone', why: 'unknown' };
    if (s.state === 'deleted') return { kind: 'gone', why: 'deleted' };
    // A completed object outlives the session's upload window.
    if (s.state === 'open' && this.now() >= s.expiresAt) return { kind: 'gone', why: 'expired' };
    return { kind: 'ok', session: s };
  }

  /** Runs `fn` after every earlier request on this session has finished. */
  async locked<T>(s: GcsSession, fn: () => Promise<T>): Promise<T> {
    const prev = s.lock;
    let release!: () => void;
    s.lock = new Promise<void>((r) => { release = r; });
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Forgets every held byte (a single-PUT upload starts over on each attempt). */
  async reset(s: GcsSession): Promise<void> {
    s.held = 0;
    if (s.md5) s.md5 = createHash('md5');
    if (s.crc !== undefined) s.crc = 0;
    await this.store.truncatePart(s.id, 0);
  }

  persisted(s: GcsSession, piece: Buffer): void {
    s.md5?.update(piece);
    if (s.crc !== undefined) s.crc = crc32c(piece, s.crc);
  }

  /** Marks the session complete and builds its object resource. */
  complete(s: GcsSession): GcsObject {
    const t = this.now();
    const generation = String(t * 1000);
    s.state = 'complete';
    s.total = s.held;
    s.object = {
      kind: 'storage#object',
      id: `${s.bucket}/${s.objectName}/${generation}`,
      bucket: s.bucket,
      name: s.objectName,
      size: String(s.held),
      ...(s.md5 ? { md5Hash: s.md5.digest('base64') } : {}),
      ...(s.crc !== undefined ? { crc32c: gcsCrc32c(s.crc) } : {}),
      generation,
      metageneration: '1',
      contentType: s.contentType,
      etag: Buffer.from(generation).toString('base64'),
      timeCreated: new Date(t).toISOString(),
      updated: new Date(t).toISOString(),
    };
    delete s.md5;
    delete s.crc;
    return s.object;
  }

  async delete(s: GcsSession): Promise<void> {
    s.state = 'deleted';
    await this.store.removePart(s.id);
  }
}

/**
 * GCS's encoding of an object's CRC32C: base64 of the 32-bit value in big-endian byte order
 * (https://cloud.google.com/storage/docs/json_api/v1/objects#resource: "CRC32c checksum, as
 * described in RFC 4960, Appendix B; encoded using base64 in big-endian byte order";
 * googleapis/nodejs-storage src/crc32c.ts `toString` writes `writeInt32BE` then base64).
 */
export function gcsCrc32c(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString('base64');
}
