// The emulator's upload table: one record per upload resource, expiry by the injected clock,
// memory of terminated and expired ids (so they answer 404/410, never "unknown"), and a
// per-upload lock (take over from the holder, wait for it, or turn the newcomer away with 423).
import { randomBytes } from 'node:crypto';
import type { ConflictPolicy } from '../kit/file-store.js';
import type { TusMetadata } from '../../providers/tus/wire.js';

export interface TusUpload {
  id: string;
  /** Undefined while the length is deferred (creation-defer-length). */
  length: number | undefined;
  /** Bytes held, committed only after a request's body has been written and fsynced. */
  offset: number;
  /** The Upload-Metadata header exactly as the client sent it (HEAD echoes it). */
  metadataHeader: string | undefined;
  metadata: TusMetadata;
  /** Where the completed file goes, already cleaned. */
  remotePath: string;
  conflict: ConflictPolicy;
  createdAt: number;
  lastActivity: number;
  complete: boolean;
}

export type ExpiryBasis = 'creation' | 'activity';
export type LockMode = 'takeover' | 'serialise' | 'reject';

export interface UploadTableOptions {
  now: () => number;
  /** Milliseconds an unfinished upload lives; 0 = never expires. */
  expirationMs: number;
  expiryBasis: ExpiryBasis;
  /** Status for an expired upload: 410 when the server tracks expiry (spec SHOULD), else 404. */
  expiredStatus: 404 | 410;
}

export type Lookup = { upload: TusUpload } | { status: 404 | 410; why: string };

export class UploadTable {
  private readonly uploads = new Map<string, TusUpload>();
  private readonly gone = new Map<string, 'terminated' | 'expired'>();
  /** Tail of each upload's queue of lock holders. */
  private readonly locks = new Map<string, Promise<void>>();
  /** How to make the current holder of each lock stop early. */
  private readonly holders = new Map<string, () => void>();

  constructor(private readonly o: UploadTableOptions) {}

  add(fields: Omit<TusUpload, 'id' | 'offset' | 'createdAt' | 'lastActivity' | 'complete'>): TusUpload {
    const now = this.o.now();
    const u: TusUpload = { ...fields, id: randomBytes(16).toString('hex'), offset: 0, createdAt: now, lastActivity: now, complete: false };
    this.uploads.set(u.id, u);
    return u;
  }

  /** Finds an upload, expiring it first when its time is up; `onExpire` removes its bytes. */
  async lookup(id: string, onExpire: (u: TusUpload) => Promise<void>): Promise<Lookup> {
    const u = this.uploads.get(id);
    if (u) {
      const at = this.expiresAt(u);
      if (at === undefined || this.o.now() <= at) return { upload: u };
      this.uploads.delete(id);
      this.gone.set(id, 'expired');
      await onExpire(u);
    }
    const why = this.gone.get(id);
    if (why === 'expired') return { status: this.o.expiredStatus, why: 'upload expired' };
    if (why === 'terminated') return { status: 404, why: 'upload was terminated' };
    return { status: 404, why: 'no such upload' };
  }

  terminate(id: string): void {
    this.uploads.delete(id);
    this.gone.set(id, 'terminated');
  }

  /** Epoch ms when an unfinished upload expires; undefined when it cannot. */
  expiresAt(u: TusUpload): number | undefined {
    if (u.complete || this.o.expirationMs <= 0) return undefined;
    return (this.o.expiryBasis === 'creation' ? u.createdAt : u.lastActivity) + this.o.expirationMs;
  }

  touch(u: TusUpload): void {
    u.lastActivity = this.o.now();
  }

  /**
   * Runs `fn` holding the upload's lock. When the lock is busy: 'serialise' waits its turn,
   * 'reject' returns 'locked' (the caller answers 423), and 'takeover' (as @tus/server does)
   * asks the holder to stop via its `cancel` and then waits for it to finish, so a connection
   * that died without a FIN cannot block the upload until the idle cut-off.
   */
  async withLock<T>(id: string, mode: LockMode, fn: () => Promise<T>, cancel: () => void = () => undefined): Promise<T | 'locked'> {
    const tail = this.locks.get(id);
    if (tail && mode === 'reject') return 'locked';
    if (tail && mode === 'takeover') this.holders.get(id)?.();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const chain = (tail ?? Promise.resolve()).then(() => mine);
    this.locks.set(id, chain);
    await tail;
    this.holders.set(id, cancel);
    try {
      return await fn();
    } finally {
      this.holders.delete(id);
      release();
      if (this.locks.get(id) === chain) this.locks.delete(id);
    }
  }
}
