// Named options of the Redivis/GCS emulator. Every fact protocols.md marks [U] (unconfirmed)
// is one of these, with the default stated, so tests can pin either behaviour.
import { GCS_SESSION_TTL_MS, GRANULE, REDIVIS_SESSION_TTL_MS } from '../../providers/redivis/wire.js';

export interface RedivisEmulatorOptions {
  /** Lifetime of sessions made by the Redivis API. Default 24 h (Redivis doc). */
  sessionTtlMs?: number;
  /** Lifetime of sessions made by the plain GCS JSON/XML initiation. Default 7 days (GCS doc). */
  gcsSessionTtlMs?: number;
  /** Status for an expired session [U: live GCS gives 404 or 410]. Default 404. */
  goneStatus?: 404 | 410;
  /**
   * A non-final chunk of at least 256 KiB that is not a multiple of 256 KiB [U]: 'all' keeps
   * every byte (default), 'aligned' keeps only the 256 KiB-aligned prefix and says so in `Range`.
   */
  unalignedChunks?: 'all' | 'aligned';
  /** A chunk starting beyond the persisted end [U]: 'reject' answers 400 (default), 'ignore' answers 308 and drops it. */
  gaps?: 'reject' | 'ignore';
  /**
   * At most this many new bytes are persisted per request (default: no limit). The rest is read
   * and dropped, and `Range` tells the client where to resume: GCS may persist fewer bytes than sent.
   */
  persistLimit?: number;
  /** Size of the granule for the short-chunk rule and alignment. Default 262,144 (GCS); lower only to shrink tests. */
  granule?: number;
  /**
   * Processing of a finalized Redivis upload: each stage (queued, running) lasts at least
   * `pollsPerStage` GETs of the upload (default 1) and at least `stageMs` of the injected clock (default 0).
   */
  pollsPerStage?: number;
  stageMs?: number;
  /** When set, every upload ends `failed` with this `errorMessage` instead of `completed`. */
  failUploadsWith?: string;
  /**
   * Finalizing a resumable upload that is incomplete, unknown or expired [U: Redivis' exact error
   * unconfirmed]. Default 400 with the Redivis error body.
   */
  finalizeErrorStatus?: number;
  /** Compute md5Hash/crc32c in discard mode too (default false: benchmarks measure the client, not our hashing). */
  hashInDiscard?: boolean;
  /**
   * The last answer of a session started through the XML API (a temp upload's signed URL, the
   * current Redivis flow): 'empty' (default) is 200 with no body, as XML-API uploads answer and as
   * Redivis's page says ("the response body will be empty with a status of 200"); 'object' sends
   * the JSON object resource like a JSON-API session.
   */
  xmlFinalAnswer?: 'empty' | 'object';
  /** Send `x-goog-hash: crc32c=…,md5=…` on that empty answer (default true; GCS XML API response header). */
  googHash?: boolean;
  /**
   * Storage left on the account, in bytes [U: how Redivis enforces storage limits is undocumented].
   * A temp or resumable upload whose size exceeds what is left is refused with `quotaStatus`
   * (default 403 [U]) and the Redivis error body, `error: "storage_limit_exceeded"` [U].
   */
  quotaBytes?: number;
  quotaStatus?: number;
}

export type ResolvedRedivisOptions = Required<Omit<RedivisEmulatorOptions, 'persistLimit' | 'failUploadsWith' | 'quotaBytes'>> &
  Pick<RedivisEmulatorOptions, 'persistLimit' | 'failUploadsWith' | 'quotaBytes'>;

export function resolveRedivisOptions(o: RedivisEmulatorOptions): ResolvedRedivisOptions {
  return {
    sessionTtlMs: o.sessionTtlMs ?? REDIVIS_SESSION_TTL_MS,
    gcsSessionTtlMs: o.gcsSessionTtlMs ?? GCS_SESSION_TTL_MS,
    goneStatus: o.goneStatus ?? 404,
    unalignedChunks: o.unalignedChunks ?? 'all',
    gaps: o.gaps ?? 'reject',
    granule: o.granule ?? GRANULE,
    pollsPerStage: o.pollsPerStage ?? 1,
    stageMs: o.stageMs ?? 0,
    finalizeErrorStatus: o.finalizeErrorStatus ?? 400,
    hashInDiscard: o.hashInDiscard ?? false,
    xmlFinalAnswer: o.xmlFinalAnswer ?? 'empty',
    googHash: o.googHash ?? true,
    quotaStatus: o.quotaStatus ?? 403,
    ...(o.quotaBytes !== undefined ? { quotaBytes: o.quotaBytes } : {}),
    ...(o.persistLimit !== undefined ? { persistLimit: o.persistLimit } : {}),
    ...(o.failUploadsWith !== undefined ? { failUploadsWith: o.failUploadsWith } : {}),
  };
}
