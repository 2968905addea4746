// The resume journal: per transfer, a pointer to where the server has the upload. The server is
// the truth; the journal says which session to ask (and, for UCloud, which offset to resend).
import { FerryError } from '../common/errors.js';
import type { ConflictPolicy, ProviderId, TransferState } from '../common/transfer.js';
import type { ChunkDigestTable, HashAlgorithm } from './hashing.js';
import type { Json } from './provider.js';

export const JOURNAL_SCHEMA = 1;

export interface Fingerprint {
  size: number;
  /** Nanoseconds since the epoch, as a decimal string (bigint stat), so same-second edits are seen. */
  mtimeNs: string;
  /** SHA-1 of the first and last 64 KiB: catches same-size edits that restore the mtime. */
  headTail: string;
  /**
   * Status-change time in nanoseconds. Any write moves it and, unlike the mtime, no program can
   * set it back, so a same-size edit in the middle of a file with its mtime restored is caught
   * too (fault row 27). A chmod moves it as well: that costs a restart, never a mixed upload.
   */
  ctimeNs?: string;
  /**
   * Whether the path was a symbolic link when the file was added (the CLI takes links). A path
   * that was not one and now is was swapped for a link: never followed (fault row 28). Absent in
   * records written before it was kept.
   */
  link?: boolean;
}

/** The same file as when the fingerprint was taken (ctime compared when both sides have it). */
export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.headTail === b.headTail && (a.ctimeNs === undefined || b.ctimeNs === undefined || a.ctimeNs === b.ctimeNs);
}

export interface JournalSession {
  ref: Json;
  chunkSize: number;
  expiresAt?: number;
  createdAt: number;
  /** The target URL the session was made against: a session is never followed to another one. */
  endpoint?: string;
}

export interface JournalRecord {
  v: typeof JOURNAL_SCHEMA;
  id: string;
  targetId: string;
  provider: ProviderId;
  localPath: string;
  remotePath: string;
  conflict: ConflictPolicy;
  origin?: string;
  fingerprint: Fingerprint;
  chunkSize: number;
  session?: JournalSession;
  /** A session was being created (session-intent.ts): set before the request, gone once the session is recorded. */
  creating?: { at: number };
  /** Last offset the server confirmed (a hint for protocols that can be asked). */
  offset: number;
  /** Digests computed before the session (Synapse MD5), so a resume does not recompute them. */
  digests?: Partial<Record<HashAlgorithm, string>>;
  /** Per-chunk digests computed with them (Synapse part MD5s), when few enough to keep here (pre-digest.ts). */
  chunkDigests?: ChunkDigestTable;
  /** Times a new session had to be created after one vanished (rate limit: 2 an hour). */
  newSessions?: number[];
  /** The only place a transfer's state lives; a cancel whose server delete is owed is a state too. */
  state: TransferState;
  createdAt: number;
  updatedAt: number;
}

/** A record as an earlier version may have written it: a pending cancel was a boolean beside the state. */
export type StoredRecord = JournalRecord & { cancelPending?: boolean };

/** Brings a record read from disk to the current shape (idempotent; same schema number, older writer). */
export function upgradeRecord(r: StoredRecord): JournalRecord {
  if (!('cancelPending' in r)) return r;
  const { cancelPending, ...rec } = r;
  if (cancelPending === true && rec.state.kind === 'cancelled') return { ...rec, state: { ...rec.state, deletePending: true } };
  return rec;
}

export interface Journal {
  /** Every readable record; unreadable ones are quarantined and reported through the logger. */
  load(): Promise<JournalRecord[]>;
  /** Crash-safe write: after it resolves the record survives a power cut. */
  put(r: JournalRecord): Promise<void>;
  remove(id: string): Promise<void>;
  /**
   * Claims a transfer for this process while it uploads (fault row 25: two processes on one
   * $FERRY_HOME must never send chunks of the same upload at once). Absent: no other process.
   */
  claim?(id: string): Promise<Claim>;
}

export type Claim = { ok: true; release(): Promise<void> } | { ok: false; holder: string };

/**
 * A failed journal write as the user should see it: a full disk (ENOSPC, or EDQUOT for a quota)
 * becomes FerryError 'disk-full' naming the file; anything else is returned unchanged.
 */
export function journalWriteError(e: unknown, file: string): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return e;
  return new FerryError('disk-full', `${file}: could not save the upload's resume state because the disk is full (${code}); the upload stopped and can be retried once there is space`, { file }, { cause: e });
}
