// Words and numbers for a row: speed, time left, percent. Pure, unit-tested.
import type { TransferView } from '../app/common/transfer.js';
import { formatBytes, isSettled } from '../app/common/transfer.js';

export function formatSpeed(bytesPerSec: number): string {
  return bytesPerSec > 0 ? `${formatBytes(Math.round(bytesPerSec))}/s` : '';
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(s / 3600);
  return h >= 100 ? 'over 4 days' : `${h}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Time left at the current speed; '' when not moving or finished. */
export function eta(v: TransferView): string {
  if (v.state.kind !== 'uploading' || v.speed <= 0) return '';
  return formatDuration((v.size - v.transferred) / v.speed);
}

/** 0..1 of the file the server holds (an empty file counts as complete once done). */
export function fraction(v: TransferView): number {
  if (v.state.kind === 'done') return 1;
  return v.size > 0 ? Math.min(1, v.transferred / v.size) : 0;
}

export function percent(v: TransferView): string {
  return `${Math.floor(fraction(v) * 100)}%`;
}

export type Tab = 'queue' | 'history';

/** Failed, done and cancelled transfers belong to the history; everything else to the queue. */
export function tabOf(v: TransferView): Tab {
  return isSettled(v.state) ? 'history' : 'queue';
}

export interface RowActions {
  pause: boolean;
  resume: boolean;
  cancel: boolean;
  retry: boolean;
}

export function actionsFor(v: TransferView): RowActions {
  const k = v.state.kind;
  return {
    pause: k === 'queued' || k === 'preparing' || k === 'uploading' || k === 'waiting',
    resume: k === 'paused',
    cancel: k !== 'done' && k !== 'cancelled' && k !== 'finishing',
    retry: k === 'failed',
  };
}
