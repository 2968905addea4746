// The transfer model shared by engine, host, CLI and renderer. Pure types and helpers only.
import type { ErrorInfo } from './errors.js';

export const PROVIDER_IDS = ['ucloud', 'redivis', 'synapse', 'onedrive', 'box', 'tus'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export type ConflictPolicy = 'rename' | 'replace' | 'fail';

/** Why a transfer is waiting before its next attempt. */
export type WaitReason = 'backoff' | 'throttled' | 'offline' | 'sign-in';

/** One discriminated union; changed only by the engine's pure `transition`. */
export type TransferState =
  | { kind: 'queued' }
  | { kind: 'preparing'; hashed: number }
  | { kind: 'uploading'; offset: number }
  | { kind: 'waiting'; offset: number; until: number; reason: WaitReason; error: ErrorInfo }
  | { kind: 'paused'; offset: number }
  | { kind: 'finishing'; offset: number }
  /** `version`: the provider's version number of the file, where it keeps versions (2 after one replace). */
  | { kind: 'done'; remotePath: string; verified: boolean; version?: number }
  | { kind: 'failed'; offset: number; error: ErrorInfo }
  | CancelledState;

/**
 * A cancelled transfer. `deletePending`: the server-side delete of its session has not gone through
 * yet (the server was unreachable); the engine retries it at the next start or on another cancel.
 */
export type CancelledState = { kind: 'cancelled'; sessionDeleted: boolean; note?: string; deletePending?: true };

export type TransferStateKind = TransferState['kind'];

export interface TransferView {
  id: string;
  name: string;
  localPath: string;
  targetId: string;
  remotePath: string;
  provider: ProviderId;
  size: number;
  state: TransferState;
  /** Bytes the server has confirmed (or, within a chunk, sent); drives the progress bar. */
  transferred: number;
  /** Bytes per second over the last few seconds; 0 when not moving. */
  speed: number;
  /**
   * A known wait (backoff, the server's Retry-After, a closed upload window): the instant the
   * transfer moves again. Absent when it is not waiting, or when a closed window has no end
   * (a limit of 0 until changed: `waitingFor` is then 'window').
   */
  waitingUntil?: number;
  /** Why it waits, when it does. */
  waitingFor?: WaitReason | 'window';
  createdAt: number;
  updatedAt: number;
}

/** In line or in flight: queued, preparing, uploading, waiting or finishing (not paused). */
export function isRunning(s: TransferState): boolean {
  return s.kind === 'queued' || s.kind === 'preparing' || s.kind === 'uploading' || s.kind === 'waiting' || s.kind === 'finishing';
}

/** Nothing more happens without the user: done, failed or cancelled (the history, not the queue). */
export function isSettled(s: TransferState): boolean {
  return s.kind === 'done' || s.kind === 'failed' || s.kind === 'cancelled';
}

/** Never uploads again: done or cancelled (a failed transfer can be retried). */
export function isFinal(s: TransferState): boolean {
  return s.kind === 'done' || s.kind === 'cancelled';
}

/** A cancel whose server-side delete is still owed (retried at start and on another cancel). */
export function isDeletePending(s: TransferState): boolean {
  return s.kind === 'cancelled' && s.deletePending === true;
}

/** Human words for a state, for the UI and the CLI. */
export function describeState(s: TransferState, now: number = Date.now()): string {
  switch (s.kind) {
    case 'queued': return 'Queued';
    case 'preparing': return 'Preparing (checksumming)';
    case 'uploading': return 'Uploading';
    case 'waiting': {
      const secs = Math.max(0, Math.ceil((s.until - now) / 1000));
      if (s.reason === 'throttled') return `Throttled by the server, retrying in ${secs}s`;
      if (s.reason === 'offline') return `Server unreachable, retrying in ${secs}s`;
      if (s.reason === 'sign-in') return `Needs sign-in: ${s.error.message}`;
      return `Retrying in ${secs}s: ${s.error.message}`;
    }
    case 'paused': return 'Paused';
    case 'finishing': return 'Finishing';
    case 'done': return `${s.verified ? 'Done (verified)' : 'Done'}${s.version === undefined ? '' : `, version ${s.version}`}`;
    case 'failed': return `Failed: ${s.error.message}`;
    case 'cancelled': return s.sessionDeleted ? 'Cancelled (server session deleted)' : `Cancelled${s.note ? ` (${s.note})` : ''}`;
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}
