// What `ferry upload` shows: a progress bar per file on a terminal (redrawn in place on
// stderr), or JSON lines on stdout with --json.
import { escapeControls } from '../common/terminal-text.js';
import { describeState, formatBytes, type TransferView } from '../common/transfer.js';

export interface ProgressOutput {
  update(views: TransferView[]): void;
  line(text: string): void;
  finish(views: TransferView[]): void;
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
      ...(state.kind === 'done' ? { verified: state.verified } : {}),
    }) + '\n');
  };
  return {
    update: (views) => views.forEach(emit),
    line: (text) => write(JSON.stringify({ event: 'message', message: text }) + '\n'),
    finish: (views) => views.forEach(emit),
  };
}

export function barProgress(stream: NodeJS.WriteStream): ProgressOutput {
  let drawn = 0;
  const width = () => Math.max(20, Math.min(stream.columns ?? 80, 120));
  const render = (views: TransferView[]): string[] => views.map((v) => bar(v, width()));
  const draw = (lines: string[]): void => {
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const l of lines) out += `\r\x1b[2K${l}\n`;
    stream.write(out);
    drawn = lines.length;
  };
  return {
    update: (views) => draw(render(views)),
    line: (text) => {
      draw([]);
      drawn = 0;
      stream.write(`${escapeControls(text)}\n`);
    },
    finish: (views) => draw(render(views)),
  };
}

export function bar(v: TransferView, width: number): string {
  const pct = v.size === 0 ? (v.state.kind === 'done' ? 1 : 0) : Math.min(1, v.transferred / v.size);
  const safe = escapeControls(v.name);
  const name = safe.length > 24 ? `${safe.slice(0, 23)}…` : safe.padEnd(24);
  const cells = Math.max(10, width - 70);
  const full = Math.round(pct * cells);
  const speed = v.speed > 0 ? `${formatBytes(v.speed)}/s` : '';
  const eta = v.speed > 0 && v.state.kind === 'uploading' ? ` ETA ${clock((v.size - v.transferred) / v.speed)}` : '';
  const words = v.state.kind === 'uploading' ? `${speed}${eta}` : escapeControls(describeState(v.state));
  return `${name} [${'#'.repeat(full)}${'-'.repeat(cells - full)}] ${String(Math.floor(pct * 100)).padStart(3)}% ${formatBytes(v.transferred)}/${formatBytes(v.size)} ${words}`.slice(0, width - 1);
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}
