// Words and numbers for rows and the header: speed, time left, percent, state words, totals.
// Pure, unit-tested (test/unit/renderer-model.test.ts).
import { explainError } from '../app/common/error-words.js';
import type { BandwidthInfo } from '../app/common/bwlimit-schedule.js';
import type { TransferView } from '../app/common/transfer.js';
import { describeState, formatBytes } from '../app/common/transfer.js';

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

/** Speed shown on a row: only while bytes move (a paused or waiting row keeps none). */
export function rowSpeed(v: TransferView): number {
  return v.state.kind === 'uploading' ? v.speed : 0;
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

/** A row's state in words; a waiting row counts down against `now`. */
export function stateWords(v: TransferView, now: number): string {
  const s = v.state;
  if (s.kind === 'failed') return 'Failed';
  if (s.kind === 'waiting') {
    const secs = Math.max(0, Math.ceil((s.until - now) / 1000));
    if (s.reason === 'throttled') return `Server busy, retrying in ${secs}s`;
    if (s.reason === 'offline' || s.error.code === 'network' || s.error.code === 'stalled') return `Waiting for connection, retrying in ${secs}s`;
    return `${explainError(s.error).summary.replace(/\.$/, '')}; retrying in ${secs}s`;
  }
  return describeState(s, now);
}

export type Tab = 'queue' | 'history';

/** Done and cancelled transfers belong to the history; failed ones stay in the queue, where the user looks. */
export function tabOf(v: TransferView): Tab {
  const k = v.state.kind;
  return k === 'done' || k === 'cancelled' ? 'history' : 'queue';
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

/** A cancel that throws away this much work asks once before it goes through. */
export const CONFIRM_CANCEL_BYTES = 100 * 1024 * 1024;

export function cancelNeedsConfirm(v: TransferView): boolean {
  return v.size >= CONFIRM_CANCEL_BYTES || v.transferred >= CONFIRM_CANCEL_BYTES / 4;
}

export interface Totals {
  /** Queued, preparing, uploading, waiting, finishing. */
  active: number;
  uploading: number;
  waiting: number;
  paused: number;
  failed: number;
  /** Bytes per second of the rows that move. */
  speed: number;
  /** Size and bytes sent of everything in the queue that is not failed. */
  bytes: number;
  sent: number;
  /** Bytes still to send of the active rows (the ETA's numerator). */
  left: number;
}

/** What the header says: what moves, what waits, what needs the user. */
export function headerSummary(t: Totals): string {
  const parts: string[] = [];
  if (t.uploading > 0) parts.push(`${t.active} active · ${formatSpeed(t.speed) || 'starting'}`);
  else if (t.waiting > 0) parts.push('Waiting for connection');
  else if (t.active > 0) parts.push(`${t.active} queued`);
  if (t.paused) parts.push(`${t.paused} paused`);
  if (t.failed) parts.push(`${t.failed} failed`);
  return parts.length ? parts.join(' · ') : 'Idle';
}

/** The overall line under the header: bytes of everything queued and the time left. */
export function overallWords(t: Totals): string {
  if (t.bytes === 0) return '';
  const left = t.speed > 0 && t.left > 0 ? ` · about ${formatDuration(t.left / t.speed)} left` : '';
  return `${formatBytes(t.sent)} of ${formatBytes(t.bytes)} (${t.bytes > 0 ? Math.floor((100 * t.sent) / t.bytes) : 0}%)${left}`;
}

/** The limit in force in words, with this process's part when other Ferry processes are sending too. */
export function limitNowWords(b: BandwidthInfo): string {
  if (b.rate === null) return 'No limit now';
  if (b.rate === 0) return 'Paused now (an upload window is closed)';
  const words = `Now ${formatBytes(b.rate)}/s for all uploads together`;
  const n = b.sharers ?? 1;
  if (n <= 1) return words;
  const others = n - 1;
  return `${words}, shared with ${others} other Ferry process${others === 1 ? '' : 'es'} uploading now (${formatBytes(Math.floor(b.rate / n))}/s here)`;
}
