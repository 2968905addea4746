// What the Box emulator's route modules share: resolved options, the tree, the byte store.
import { createHash } from 'node:crypto';
import type { EmulatorCounters } from '../kit/emulator-host.js';
import type { FileStore } from '../kit/file-store.js';
import { BoxHttpError } from './emulator-reply.js';
import type { BoxTree, TreeFile } from './emulator-tree.js';
import { DEFAULT_PART_SIZE, MAX_ITEMS_OFFSET, MAX_PAGE_LIMIT, MAX_SIMPLE_UPLOAD_SIZE, MIN_SESSION_FILE_SIZE, SESSION_TTL_MS } from '../../providers/box/wire.js';

/**
 * Box-specific emulator options. Facts marked [U] in protocols.md section 5 are options here,
 * each defaulting to the behaviour the evidence favours.
 */
export interface BoxEmulatorOptions {
  /** `part_size` given to every session (default 8,388,608; the real policy is undocumented [U]). */
  partSize?: number;
  /** Smallest `file_size` a session accepts (default 20,000,000; 400 file_size_too_small below) [U]. */
  minSessionFileSize?: number;
  /** Session lifetime (default 7 days), measured on the injected clock. */
  sessionTtlMs?: number;
  /** How many commits of each session answer 202 + Retry-After before the 201 (default 0: the official SDK crashes on 202). */
  commitAcceptedCount?: number;
  /** Retry-After seconds on those 202s (default 1; 0 allowed for tests). */
  retryAfterSeconds?: number;
  /** Status for a part whose Digest does not match its bytes (default 412) [U]. */
  partDigestMismatchStatus?: number;
  /** Accept `Digest: sha-256=` on parts as Box's web uploader sends it (default true) [U]. */
  acceptSha256PartDigest?: boolean;
  /** A second create for the same folder and name while a session is open → 409 session_conflict (default false) [C-client]. */
  sessionConflict?: boolean;
  /** Report a wrong sha1 in returned File objects (fault row 29; default false). */
  wrongFileSha1?: boolean;
  /** Largest page for list_parts and folder items (default 1000; lower it to exercise paging). */
  maxPageLimit?: number;
  /** Largest file through the simple upload (default 50 MiB). */
  maxSimpleUploadSize?: number;
  /** Largest `offset` a folder listing accepts (default 10,000: Box OpenAPI, GET /folders/{id}/items); lower it to test deep folders. */
  maxItemsOffset?: number;
  /** Account storage in bytes; an upload that would pass it gets 403 storage_limit_exceeded (default: no limit). */
  storageLimitBytes?: number;
  /** Port of the upload origin (default 0: any free port); give the old one to restart in place. */
  uploadPort?: number;
}

export type ResolvedBoxOptions = Required<BoxEmulatorOptions>;

export function resolveBoxOptions(o: BoxEmulatorOptions): ResolvedBoxOptions {
  const r: ResolvedBoxOptions = {
    partSize: o.partSize ?? DEFAULT_PART_SIZE,
    minSessionFileSize: o.minSessionFileSize ?? MIN_SESSION_FILE_SIZE,
    sessionTtlMs: o.sessionTtlMs ?? SESSION_TTL_MS,
    commitAcceptedCount: o.commitAcceptedCount ?? 0,
    retryAfterSeconds: o.retryAfterSeconds ?? 1,
    partDigestMismatchStatus: o.partDigestMismatchStatus ?? 412,
    acceptSha256PartDigest: o.acceptSha256PartDigest ?? true,
    sessionConflict: o.sessionConflict ?? false,
    wrongFileSha1: o.wrongFileSha1 ?? false,
    maxPageLimit: o.maxPageLimit ?? MAX_PAGE_LIMIT,
    maxSimpleUploadSize: o.maxSimpleUploadSize ?? MAX_SIMPLE_UPLOAD_SIZE,
    maxItemsOffset: o.maxItemsOffset ?? MAX_ITEMS_OFFSET,
    storageLimitBytes: o.storageLimitBytes ?? Number.POSITIVE_INFINITY,
    uploadPort: o.uploadPort ?? 0,
  };
  if (!(r.partSize >= 1) || !Number.isInteger(r.partSize)) throw new Error(`box emulator: partSize must be a positive integer, got ${r.partSize}`);
  if (!(r.maxPageLimit >= 1)) throw new Error(`box emulator: maxPageLimit must be at least 1, got ${r.maxPageLimit}`);
  return r;
}

export interface BoxEmuContext {
  o: ResolvedBoxOptions;
  tree: BoxTree;
  store: FileStore;
  counters: EmulatorCounters;
  /** The upload origin's base with its `/api` prefix, e.g. http://127.0.0.1:5678/api. */
  uploadBase: () => string;
  now: () => number;
}

/** 403 storage_limit_exceeded when `size` more bytes (replacing `replacing` bytes) would pass the account's storage. */
export function checkStorage(c: BoxEmuContext, size: number, replacing = 0): void {
  if (c.tree.usedBytes() - replacing + size > c.o.storageLimitBytes) {
    throw new BoxHttpError(403, 'storage_limit_exceeded', 'Account storage limit reached');
  }
}

/** The sha1 to put in a File object: the real one, or a corrupted one when asked (row 29). */
export async function reportedSha1(c: BoxEmuContext, f: TreeFile): Promise<string> {
  if (f.sha1 === undefined) {
    f.sha1 = c.store.discard ? createHash('sha1').digest('hex') : (await c.store.digest(c.store.storedPath(c.tree.filePath(f)), 'sha1')).toString('hex');
  }
  if (!c.o.wrongFileSha1) return f.sha1;
  const last = f.sha1.at(-1) === '0' ? '1' : '0';
  return f.sha1.slice(0, -1) + last;
}
