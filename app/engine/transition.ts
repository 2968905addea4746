// The transfer state machine as one pure function, the only way a transfer's state changes.
// Events that do not apply to the current state are ignored (the state is returned unchanged): a
// progress report that arrives after a pause must not turn the transfer back into 'uploading'.
import type { ErrorInfo } from '../common/errors.js';
import { isDeletePending, isRunning, type TransferState, type WaitReason } from '../common/transfer.js';

export type TransferEvent =
  | { type: 'prepare'; hashed: number }
  | { type: 'upload'; offset: number }
  | { type: 'progress'; offset: number }
  | { type: 'wait'; until: number; reason: WaitReason; error: ErrorInfo }
  | { type: 'finishing' }
  | { type: 'done'; remotePath: string; verified: boolean; version?: number }
  | { type: 'fail'; error: ErrorInfo }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'requeue' }
  /** `deletePending`: the server could not be reached to delete the session; it is owed later. */
  | { type: 'cancel'; sessionDeleted: boolean; note?: string; deletePending?: boolean }
  /** The process restarted (or shut down): what was in flight is queued again. */
  | { type: 'restart' };

/** Bytes confirmed so far, for states that carry them. */
export function offsetOf(s: TransferState): number {
  return 'offset' in s ? s.offset : 0;
}

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
      return isRunning(s)
        ? { kind: 'done', remotePath: e.remotePath, verified: e.verified, ...(e.version === undefined ? {} : { version: e.version }) }
        : s;
    case 'fail':
      return isRunning(s) ? { kind: 'failed', offset: offsetOf(s), error: e.error } : s;
    case 'pause':
      return isRunning(s) ? { kind: 'paused', offset: offsetOf(s) } : s;
    case 'resume':
      return s.kind === 'paused' ? { kind: 'queued' } : s;
    case 'requeue':
      // Retry of a failed transfer, or a shutdown putting an in-flight one back in line.
      return s.kind === 'failed' || isRunning(s) ? { kind: 'queued' } : s;
    case 'cancel':
      // A cancel whose server delete is still owed takes the outcome of the retried delete.
      return s.kind === 'done' || (s.kind === 'cancelled' && !isDeletePending(s))
        ? s
        : {
            kind: 'cancelled',
            sessionDeleted: e.sessionDeleted,
            ...(e.note === undefined ? {} : { note: e.note }),
            ...(e.deletePending ? { deletePending: true as const } : {}),
          };
    case 'restart':
      return s.kind === 'preparing' || s.kind === 'uploading' || s.kind === 'waiting' || s.kind === 'finishing' ? { kind: 'queued' } : s;
  }
}

/** A transfer that was in flight when the process died (or shut down) is simply queued again. */
export function afterRestart(s: TransferState): TransferState {
  return transition(s, { type: 'restart' });
}
