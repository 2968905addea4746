// The remaining ports the engine is built from: clock, logger, file access.
import type { Fingerprint } from './journal.js';

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
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

/** An open local file. Reads are positional into caller-owned buffers (bounded memory). */
export interface OpenFile {
  readonly path: string;
  stat(): Promise<FileStat>;
  /** Fills `buf[0..length)` from `position`; returns bytes read (fewer means the file got shorter). */
  read(buf: Buffer, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface FileSource {
  /** Opens a regular, readable file; throws FerryError file-missing / file-not-regular / file-unreadable. */
  open(path: string): Promise<OpenFile>;
  fingerprint(f: OpenFile): Promise<Fingerprint>;
}
