// The transfer state machine as one pure function. Events that do not apply to the current
// state are ignored (the state is returned unchanged): a progress report that arrives after a
// pause must not turn the transfer back into 'uploading'.
import type { ErrorInfo } from '../common/errors.js';
import type { TransferState, WaitReason } from '../common/transfer.js';

export type TransferEvent =
  | { type: 'prepare'; hashed: number }
  | { type: 'upload'; offset: number }
  | { type: 'progress'; offset: number }
  | { type: 'wait'; until: number; reason: WaitReason; error: ErrorInfo }
  | { type: 'finishing' }
  | { type: 'done'; remotePath: string; verified: boolean }
  | { type: 'fail'; error: ErrorInfo }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'requeue' }
  | { type: 'cancel'; sessionDeleted: boolean; note?: string };

/** Bytes confirmed so far, for states that carry them. */
export function offsetOf(s: TransferState): number {
  return 'offset' in s ? s.offset : 0;
}

const RUNNING = new Set(['queued', 'preparing', 'uploading', 'waiting', 'finishing']);

export function transition(s: TransferState, e: TransferEvent): TransferState {
  switch (e.type) {
    case 'prepare':
      return s.kind === 'queued' || s.kind === 'preparing' ? { kind: 'preparing', hashed: e.hashed } : s;
    case 'upload':
      return s.kind === 'queued' || s.kind === 'preparing' || s.kind === 'waiting' || s.kind === 'uploading'
        ? { kind: 'uploading', offset: e.offset }
        : s;
    case 'progress':
      return s.kind === 'uploading' ? { kind: 'uploading', offset: e.offset } : s;
    case 'wait':
      return s.kind === 'uploading' || s.kind === 'preparing' || s.kind === 'finishing' || s.kind === 'waiting' || s.kind === 'queued'
        ? { kind: 'waiting', offset: offsetOf(s), until: e.until, reason: e.reason, error: e.error }
        : s;
    case 'finishing':
      return s.kind === 'uploading' || s.kind === 'waiting' ? { kind: 'finishing', offset: offsetOf(s) } : s;
    case 'done':
      return RUNNING.has(s.kind) ? { kind: 'done', remotePath: e.remotePath, verified: e.verified } : s;
    case 'fail':
      return RUNNING.has(s.kind) ? { kind: 'failed', offset: offsetOf(s), error: e.error } : s;
    case 'pause':
      return RUNNING.has(s.kind) ? { kind: 'paused', offset: offsetOf(s) } : s;
    case 'resume':
      return s.kind === 'paused' ? { kind: 'queued' } : s;
    case 'requeue':
      // Retry of a failed transfer, or a shutdown putting an in-flight one back in line.
      return s.kind === 'failed' || RUNNING.has(s.kind) ? { kind: 'queued' } : s;
    case 'cancel':
      return s.kind === 'done' || s.kind === 'cancelled'
        ? s
        : e.note === undefined
          ? { kind: 'cancelled', sessionDeleted: e.sessionDeleted }
          : { kind: 'cancelled', sessionDeleted: e.sessionDeleted, note: e.note };
  }
}

/** A transfer that was in flight when the process died (or shut down) is simply queued again. */
export function afterRestart(s: TransferState): TransferState {
  switch (s.kind) {
    case 'preparing':
    case 'uploading':
    case 'waiting':
    case 'finishing':
      return { kind: 'queued' };
    default:
      return s;
  }
}
