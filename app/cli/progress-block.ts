// The CLI's progress as an rclone `-P` user expects it: one block of totals with the active
// files under it, sized to the terminal so it never scrolls, and a summary line at the end.
// Pure: state and terminal size in, lines out (progress.ts writes them).
import { explainError } from '../common/error-words.js';
import { escapeControls } from '../common/terminal-text.js';
import { describeState, formatBytes, type TransferState, type TransferView } from '../common/transfer.js';

export interface BlockState {
  views: TransferView[];
  startedAt: number;
  now: number;
  /** Bytes the server already held when this run first saw each transfer (a resumed upload). */
  resumedAt: ReadonlyMap<string, number>;
  /** Files refused before they were queued (missing, a folder, a provider option missing). */
  refused?: number;
}

export interface Terminal {
  columns: number;
  rows: number;
  color: boolean;
}

const ACTIVE = new Set(['preparing', 'uploading', 'waiting', 'finishing', 'paused']);

export interface Totals {
  files: number;
  done: number;
  failed: number;
  cancelled: number;
  bytes: number;
  sent: number;
  speed: number;
}

export function totals(views: TransferView[]): Totals {
  const t: Totals = { files: views.length, done: 0, failed: 0, cancelled: 0, bytes: 0, sent: 0, speed: 0 };
  for (const v of views) {
    t.bytes += v.size;
    t.sent += v.state.kind === 'done' ? v.size : Math.min(v.size, v.transferred);
    if (v.state.kind === 'done') t.done++;
    else if (v.state.kind === 'failed') t.failed++;
    else if (v.state.kind === 'cancelled') t.cancelled++;
    if (v.state.kind === 'uploading') t.speed += v.speed;
  }
  return t;
}

/** `m:ss` or `h:mm:ss`, as rclone prints elapsed time. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

const pct = (a: number, b: number) => (b > 0 ? Math.floor((100 * a) / b) : 0);
const speedText = (bps: number) => (bps > 0 ? `${formatBytes(Math.round(bps))}/s` : '-');

function fit(line: string, columns: number): string {
  const max = Math.max(1, columns - 1);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function fileLine(v: TransferView, s: BlockState, now: number): string {
  // File names are escaped: a newline or escape code in one must not forge lines or drive the terminal.
  const safe = escapeControls(v.name);
  const name = safe.length > 32 ? `${safe.slice(0, 31)}…` : safe;
  const resumed = s.resumedAt.get(v.id);
  const resuming = resumed !== undefined && resumed > 0 ? `, resuming at ${pct(resumed, v.size)} %` : '';
  if (v.state.kind === 'uploading') {
    const eta = v.speed > 0 ? clock((v.size - v.transferred) / v.speed) : '-';
    return ` * ${name}: ${String(pct(v.transferred, v.size)).padStart(3)}% /${formatBytes(v.size)}, ${speedText(v.speed)}, ${eta}${resuming}`;
  }
  return ` * ${name}: ${String(pct(v.transferred, v.size)).padStart(3)}% /${formatBytes(v.size)}, ${stateWords(v.state, now)}${resuming}`;
}

/** A state in words; a wait says why in words (the wire text is in the log and --json). */
export function stateWords(s: TransferState, now: number): string {
  if (s.kind !== 'waiting') return describeState(s, now);
  const secs = Math.max(0, Math.ceil((s.until - now) / 1000));
  if (s.reason === 'throttled') return `server busy, retrying in ${secs}s`;
  if (s.reason === 'offline' || s.error.code === 'network' || s.error.code === 'stalled') return `waiting for connection, retrying in ${secs}s`;
  return `${explainError(s.error).summary.replace(/\.$/, '')}; retrying in ${secs}s`;
}

/** The speed; while nothing moves because a transfer waits to retry, what it waits for instead. */
function speedOrWait(s: BlockState, speed: number): string {
  if (speed > 0) return speedText(speed);
  const next = s.views.flatMap((v) => (v.state.kind === 'waiting' ? [v.state] : [])).sort((a, b) => a.until - b.until)[0];
  return next ? stateWords(next, s.now) : speedText(speed);
}

/** The block: totals, then the files being worked on; never more than `rows - 1` lines. */
export function renderBlock(s: BlockState, term: Terminal): string[] {
  const t = totals(s.views);
  const remaining = t.bytes - t.sent;
  const eta = t.speed > 0 ? clock(remaining / t.speed) : '-';
  const head = [
    `Transferred:   ${formatBytes(t.sent)} / ${formatBytes(t.bytes)}, ${pct(t.sent, t.bytes)}%, ${speedOrWait(s, t.speed)}, ETA ${eta}`,
    `Files:         ${t.done} / ${t.files}${t.failed ? `, ${t.failed} failed` : ''}${t.cancelled ? `, ${t.cancelled} cancelled` : ''}`,
    `Elapsed time:  ${clock((s.now - s.startedAt) / 1000)}`,
  ];
  const budget = Math.max(1, term.rows - 1);
  const lines = head.slice(0, budget);
  const active = s.views.filter((v) => ACTIVE.has(v.state.kind));
  let room = budget - lines.length;
  if (active.length > 0 && room > 0) {
    // Keep one line for "and N more" when not all fit.
    const shown = active.length <= room ? active : active.slice(0, Math.max(0, room - 1));
    for (const v of shown) lines.push(fileLine(v, s, s.now));
    room -= shown.length;
    if (shown.length < active.length && room > 0) lines.push(` … and ${active.length - shown.length} more`);
  }
  return lines.map((l) => fit(l, term.columns));
}

/** The last line: what was uploaded, how long it took, what failed. */
export function summaryLine(s: BlockState): string {
  const t = totals(s.views);
  const refused = s.refused ?? 0;
  const files = t.files + refused;
  const secs = Math.max(0.001, (s.now - s.startedAt) / 1000);
  const parts = [`Uploaded ${t.done} of ${files} file${files === 1 ? '' : 's'} (${formatBytes(t.sent)}) in ${clock(secs)}`];
  if (refused) parts.push(`${refused} refused`);
  if (t.failed) parts.push(`${t.failed} failed`);
  if (t.cancelled) parts.push(`${t.cancelled} cancelled`);
  return parts.join(', ');
}

/** One plain line for a log or a pipe (not a terminal). */
export function plainLine(s: BlockState): string {
  const t = totals(s.views);
  const eta = t.speed > 0 ? `, ETA ${clock((t.bytes - t.sent) / t.speed)}` : '';
  return `ferry: ${t.done}/${t.files} files, ${formatBytes(t.sent)} / ${formatBytes(t.bytes)} (${pct(t.sent, t.bytes)}%), ${speedOrWait(s, t.speed)}${eta}, elapsed ${clock((s.now - s.startedAt) / 1000)}`;
}
