// What `ferry upload` shows. On a terminal: one block redrawn in place on stderr (progress-block.ts
// decides its lines; this file only moves the cursor), messages printed above it, the summary
// below. Not a terminal: a plain line every few seconds and one per state change. --json: JSON
// lines on stdout. Hand-written because no progress library is installed (log-update would do).
import type { TransferView } from '../common/transfer.js';
import { escapeControls } from '../common/terminal-text.js';
import { explainError } from '../common/error-words.js';
import { plainLine, renderBlock, stateWords, summaryLine, type BlockState } from './progress-block.js';

export interface ProgressOutput {
  update(views: TransferView[]): void;
  /** A message: above the block on a terminal. */
  line(text: string): void;
  /** The final block, then the summary line; `refused`: files refused before they were queued. */
  finish(views: TransferView[], refused?: number): void;
  /** Interrupted (Ctrl-C): the block stays as it was and the message goes below it. */
  interrupt(text: string): void;
}

export interface Sink {
  write(s: string): unknown;
  columns?: number;
  rows?: number;
}

export interface ProgressOptions {
  now?: () => number;
  /** Redraw period (ms) so the elapsed time and countdowns tick between engine events; 0: none. */
  tickMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Shared bookkeeping: the start time and where each transfer was when this run first saw it. */
function tracker(now: () => number) {
  const startedAt = now();
  const resumedAt = new Map<string, number>();
  let views: TransferView[] = [];
  return {
    set(v: TransferView[]) {
      views = v;
      // Only a transfer first seen before it started moving in this run can be a resume; one
      // first seen mid-upload has simply moved since it was added.
      for (const x of v) if (!resumedAt.has(x.id)) resumedAt.set(x.id, ['queued', 'preparing', 'paused'].includes(x.state.kind) ? x.transferred : 0);
    },
    refused: 0,
    state(): BlockState {
      return { views, startedAt, now: now(), resumedAt, refused: this.refused };
    },
  };
}

/** `local → remote`, with the version the file now is where the provider keeps versions. */
function whereTo(v: TransferView): string {
  const version = v.state.kind === 'done' && v.state.version !== undefined ? ` (version ${v.state.version})` : '';
  return `${v.localPath} → ${v.remotePath}${version}`;
}

export function useColor(env: NodeJS.ProcessEnv = process.env): boolean {
  // https://no-color.org: any non-empty NO_COLOR turns colour off.
  return !env.NO_COLOR && env.TERM !== 'dumb';
}

export function blockProgress(out: Sink, o: ProgressOptions = {}): ProgressOutput {
  const now = o.now ?? Date.now;
  const t = tracker(now);
  const color = useColor(o.env);
  let drawn = 0;
  let closed = false;
  const erase = () => (drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : '\r\x1b[J');
  const lines = () => renderBlock(t.state(), { columns: out.columns ?? 80, rows: out.rows ?? 24, color });
  const draw = (prefix = '') => {
    const l = lines();
    out.write(`${erase()}${prefix}${l.map((x) => `${x}\n`).join('')}`);
    drawn = l.length;
  };
  const timer = o.tickMs === 0 ? undefined : setInterval(() => { if (!closed) draw(); }, o.tickMs ?? 1000);
  timer?.unref?.();
  const stop = () => { if (timer) clearInterval(timer); };
  const paint = (s: string, code: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    update: (views) => { t.set(views); if (!closed) draw(); },
    line: (text) => (closed ? out.write(`${escapeControls(text)}\n`) : draw(`${escapeControls(text)}\n`)),
    finish: (views, refused = 0) => {
      stop();
      closed = true;
      t.refused = refused;
      t.set(views);
      draw();
      // Finished rows leave the block; a new version of a replaced file is worth a line of its own.
      for (const v of views) if (v.state.kind === 'done' && v.state.version !== undefined) out.write(`${escapeControls(whereTo(v))}\n`);
      const s = t.state();
      const bad = refused > 0 || s.views.some((v) => v.state.kind === 'failed');
      out.write(`${paint(summaryLine(s), bad ? '31' : '32')}\n`);
      drawn = 0;
    },
    interrupt: (text) => {
      stop();
      if (!closed) draw();
      closed = true;
      drawn = 0;
      // The terminal may have echoed ^C on the line under the block: write over it.
      out.write(`\r\x1b[2K${escapeControls(text)}\n`);
    },
  };
}

export function plainProgress(out: Sink, o: ProgressOptions = {}): ProgressOutput {
  const now = o.now ?? Date.now;
  const t = tracker(now);
  const seen = new Map<string, string>();
  const every = o.tickMs ?? 5000;
  let lastLine = now();
  const timer = every === 0 ? undefined : setInterval(() => { out.write(`${plainLine(t.state())}\n`); lastLine = now(); }, every);
  timer?.unref?.();
  const changes = (views: TransferView[]) => {
    for (const v of views) {
      const was = seen.get(v.id);
      if (was === v.state.kind) continue;
      seen.set(v.id, v.state.kind);
      const s = v.state;
      if (s.kind === 'done') out.write(`${escapeControls(`${whereTo(v)}: done${s.verified ? ' (verified)' : ''}`)}\n`);
      else if (s.kind === 'waiting') out.write(`${escapeControls(`${v.localPath}: ${stateWords(s, now())} (${s.error.message})`)}\n`);
      else if (s.kind === 'failed') out.write(`${escapeControls(`${v.localPath}: failed: ${explainError(s.error).summary} (${s.error.message})`)}\n`);
      else if (s.kind === 'uploading' && (t.state().resumedAt.get(v.id) ?? 0) > 0) out.write(`${escapeControls(`${v.localPath}: resuming at ${Math.floor((100 * t.state().resumedAt.get(v.id)!) / Math.max(1, v.size))} %`)}\n`);
      else if (s.kind !== 'queued') out.write(`${escapeControls(`${v.localPath}: ${s.kind}`)}\n`);
    }
  };
  return {
    update: (views) => {
      t.set(views);
      changes(views);
      if (timer === undefined && now() - lastLine >= 5000) { out.write(`${plainLine(t.state())}\n`); lastLine = now(); }
    },
    line: (text) => out.write(`${escapeControls(text)}\n`),
    finish: (views, refused = 0) => {
      if (timer) clearInterval(timer);
      t.refused = refused;
      t.set(views);
      changes(views);
      out.write(`${summaryLine(t.state())}\n`);
    },
    interrupt: (text) => {
      if (timer) clearInterval(timer);
      out.write(`${escapeControls(text)}\n`);
    },
  };
}

export function jsonProgress(write: (s: string) => void): ProgressOutput {
  const last = new Map<string, string>();
  const emit = (v: TransferView): void => {
    const key = `${v.state.kind}:${v.transferred}`;
    if (last.get(v.id) === key) return;
    last.set(v.id, key);
    const state = v.state;
    write(JSON.stringify({
      event: state.kind === 'done' ? 'done' : state.kind === 'failed' ? 'failed' : 'progress',
      id: v.id, file: v.localPath, remotePath: v.remotePath, size: v.size, transferred: v.transferred, state: state.kind,
      ...(state.kind === 'failed' || state.kind === 'waiting' ? { error: state.error } : {}),
      ...(state.kind === 'done' ? { verified: state.verified, ...(state.version === undefined ? {} : { version: state.version }) } : {}),
    }) + '\n');
  };
  return {
    update: (views) => views.forEach(emit),
    line: (text) => write(JSON.stringify({ event: 'message', message: text }) + '\n'),
    finish: (views) => views.forEach(emit),
    interrupt: (text) => write(JSON.stringify({ event: 'interrupted', message: text }) + '\n'),
  };
}
