// The provider port: every upload protocol sits behind this one session-shaped interface.
// Protocol headers, status codes and JSON shapes never leave a provider's folder; the engine
// sees sessions, server state, chunks and FerryErrors.
import type { FerryError } from '../common/errors.js';
import type { ConflictPolicy, ProviderId } from '../common/transfer.js';
import type { HashAlgorithm } from './hashing.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface ChunkRules {
  /** Smallest allowed non-final chunk, in bytes. */
  min: number;
  /** Largest allowed chunk, in bytes. */
  max: number;
  /** Non-final chunks must be a multiple of this (1 when any size goes). */
  align: number;
  /** Chunk size used when the user asks for none. */
  defaultSize: number;
}

export interface LocalFile {
  path: string;
  /** Base name used for the remote file when the target does not say otherwise. */
  name: string;
  size: number;
  mtimeMs: number;
}

export interface Target {
  /** Remote path of the file, e.g. '/Footage/day1.mov'. Providers map it to folders or ids. */
  remotePath: string;
  conflict: ConflictPolicy;
}

/** Where and as whom to upload: the account. `token` never appears in logs or errors. */
export interface Endpoint {
  url: string;
  token: string;
}

export interface UploadJob {
  file: LocalFile;
  target: Target;
  /** Chunk size the engine chose within the provider's rules (the session may override it). */
  chunkSize: number;
  /** Whole-file digests (hex) computed before `create`, for providers that asked in `needsBefore`. */
  digests: Partial<Record<HashAlgorithm, string>>;
  /** Set for `finish` when the server already reported the upload complete (the last chunk's answer). */
  completed?: RemoteFile;
}

export interface Session {
  /** Opaque, JSON-serialisable reference persisted in the journal before the first byte is sent. */
  ref: Json;
  /** Chunk size this session uses (Box's part_size is chosen by the server). */
  chunkSize: number;
  /** Epoch ms after which the server will have forgotten the session, when known. */
  expiresAt?: number;
  /** What the server holds right after creation, when not "nothing" (tus Upload-Length 0: complete). */
  initial?: ServerState;
}

/** What the server holds for a session. */
export type ServerState =
  /** Bytes [0, offset) are held. */
  | { kind: 'offset'; offset: number }
  /** These 0-based part indexes are held (part i covers [i*chunkSize, ...)). */
  | { kind: 'parts'; have: number[] }
  /** The protocol cannot tell (UCloud): the engine resumes from its journal and re-sends that chunk whole. */
  | { kind: 'unknown' }
  /** The upload is already complete on the server (Synapse dedupe, a lost final response). */
  | { kind: 'complete'; result?: RemoteFile };

export interface Chunk {
  index: number;
  offset: number;
  /** The bytes; a view into a reused buffer, valid only until sendChunk settles. */
  data: Buffer;
  /** True for the chunk that ends at the file's last byte. */
  final: boolean;
  /**
   * The chunk's bytes read from the file as they are sent, for providers that declare
   * `streamsChunks`; `data` is then empty and the length is `body.length`. Send it as the request
   * body (a retry re-reads the file).
   */
  body?: import('./http.js').StreamBody;
  /**
   * Hex digests of exactly `data`, for the algorithms in `Provider.chunkDigests`, computed by the
   * engine while the previous chunk was on the wire. Absent (or missing an algorithm) when the
   * engine did not compute them: the provider then hashes `data` itself.
   */
  digests?: Partial<Record<HashAlgorithm, string>>;
}

export interface RemoteFile {
  /** Where the file ended up (after a rename on conflict, say). */
  path: string;
  id?: string;
  /** The provider's version number of the file, where it keeps versions (Synapse: 2 after one replace). */
  version?: number;
  size?: number;
  /** Digest the provider reports for the stored file, compared with the local one. */
  hash?: { algorithm: HashAlgorithm; value: string };
}

export type CancelOutcome = { deleted: true } | { deleted: false; why: string };

export interface SendContext {
  signal: AbortSignal;
  /** Called as body bytes leave, with the chunk's bytes sent so far (cumulative), for progress within a chunk. */
  onSent?: (bytes: number) => void;
  /**
   * The chunk's bytes are stored and only bookkeeping is left (Synapse's add-part call): another
   * chunk may take its place on the wire. The provider reads none of the chunk's bytes after this.
   */
  offWire?: () => void;
}

export interface Provider {
  readonly id: ProviderId;
  readonly rules: ChunkRules;
  /** The digest the provider reports on completion, computed by the engine while reading. */
  readonly integrity?: HashAlgorithm;
  /** Whole-file digests needed before `create` (Synapse: md5): the transfer shows 'preparing'. */
  readonly needsBefore?: HashAlgorithm[];
  /** Whole-file digests passed to `finish` (Box: sha1), computed in the same pass as reading. */
  readonly needsAtFinish?: HashAlgorithm[];
  /** Per-chunk digests the provider sends with each chunk (Box part SHA-1, tus checksum, Synapse part MD5), offered as `Chunk.digests`. */
  readonly chunkDigests?: readonly HashAlgorithm[];
  /**
   * The chunk size a new session will use for this file, when the protocol fixes it before
   * `create` (Synapse: the request's partSizeBytes). With `needsBefore`, the preparing pass then
   * computes the `chunkDigests` of every chunk in the same read, and the upload pass hashes nothing.
   */
  plannedChunkSize?(file: LocalFile): number;
  /**
   * The provider sends `Chunk.body` when given (chunkLength/chunkBody in providers/shared), for
   * every session or those the function accepts: the engine then streams chunks from the file
   * instead of holding them in memory.
   */
  readonly streamsChunks?: boolean | ((session: Session) => boolean);
  /** Most parts the service wants on the wire at once for one file (Box: 3–5), when it says. */
  readonly maxPartsInFlight?: number;
  /** Chunks must arrive strictly in order (offset protocols) rather than as a set of parts. */
  readonly ordered: boolean;
  /**
   * The server cannot be asked what it holds (UCloud): the journal's offset is the truth, so the
   * engine writes it after every confirmed chunk instead of throttling progress writes.
   */
  readonly blindResume?: boolean;

  create(job: UploadJob, signal: AbortSignal): Promise<Session>;
  status(session: Session, job: UploadJob, signal: AbortSignal): Promise<ServerState>;
  /** Sends one chunk. Returns the server's state after it when the response tells (308 Range, 202 ranges). */
  sendChunk(session: Session, job: UploadJob, chunk: Chunk, ctx: SendContext): Promise<ServerState | undefined>;
  /** Commits the upload (a no-op call for protocols whose last chunk commits). */
  finish(session: Session, job: UploadJob, digests: Partial<Record<HashAlgorithm, string>>, signal: AbortSignal): Promise<RemoteFile>;
  /** Deletes the session on the server where the API allows it. */
  cancel(session: Session, job: UploadJob, signal: AbortSignal): Promise<CancelOutcome>;
  /** Optional provider-specific override of the default error classification. */
  classify?(error: FerryError): import('./classify.js').Verdict | undefined;
}

export interface ProviderFactoryOptions {
  endpoint: Endpoint;
  http: import('./http.js').Http;
  /** The only source of time for a provider: its now() and its waits (tests move it; no Date.now()). */
  clock: import('./ports.js').Clock;
  /** Provider-specific settings (e.g. Box folder id, Synapse parent id, Redivis table). */
  options?: Record<string, string>;
}

export type ProviderFactory = (o: ProviderFactoryOptions) => Provider;
