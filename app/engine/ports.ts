// Every port the engine is built from, in one place: the clock, logger and file access are
// defined here; the journal, HTTP, provider, digest and target-store ports live beside the code
// that explains them and are re-exported here. A composition root (or a test) imports from here.
import type { Fingerprint } from './journal.js';

export type { Claim, Fingerprint, Journal, JournalRecord, JournalSession } from './journal.js';
export type { Http, HttpRequest, HttpResponse } from './http.js';
export type {
  CancelOutcome, Chunk, ChunkRules, Endpoint, Json, LocalFile, Provider, ProviderFactory, ProviderFactoryOptions,
  RemoteFile, SendContext, ServerState, Session, Target, UploadJob,
} from './provider.js';
export type { Digester, Digests, DigestStream } from './digester.js';
export type { HashAlgorithm, Hasher, HasherFactory } from './hashing.js';
export type { TargetConfig, TargetStore } from './engine-api.js';

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The other Ferry processes of this computer sending under a limit at the same time (the app, a
 * `ferry upload` in a terminal): the limit is for the computer, so each takes its share of it.
 * app/node/pace-share.ts keeps it in $FERRY_HOME; absent, this process has the limit to itself.
 */
export interface BandwidthShare {
  /** How many processes, this one included, share the limit now (at least 1). */
  sharers(): number;
  /** Told on every limited slice this process sends; must be cheap. */
  sending(): void;
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface FileStat {
  size: number;
  mtimeNs: string;
  ctimeNs?: string;
}

/**
 * What `path` names now, compared with the file that was opened: the same file (and readable),
 * nothing, another file or a symlink (never followed), or a file that may no longer be read.
 */
export type PathState = 'same' | 'deleted' | 'replaced' | 'unreadable';

/** An open local file. Reads are positional into caller-owned buffers (bounded memory). */
export interface OpenFile {
  readonly path: string;
  stat(): Promise<FileStat>;
  /** One look at the path (no read): absent where a file cannot move (tests' in-memory files). */
  atPath?(): Promise<PathState>;
  /** Fills `buf[0..length)` from `position`; returns bytes read (fewer means the file got shorter). */
  read(buf: Buffer, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface FileSource {
  /** Opens a regular, readable file; throws FerryError file-missing / file-not-regular / file-unreadable. */
  open(path: string): Promise<OpenFile>;
  fingerprint(f: OpenFile): Promise<Fingerprint>;
}
