// The CLI progress block: fixed size whatever the number of files and the terminal, totals as
// rclone -P shows them, "resuming at N %", messages above it and Ctrl-C below it.
import { describe, expect, it } from 'vitest';
import type { TransferState, TransferView } from '../../app/common/transfer.js';
import { plainLine, renderBlock, summaryLine, type BlockState } from '../../app/cli/progress-block.js';
import { blockProgress, jsonProgress, plainProgress } from '../../app/cli/progress.js';

const MiB = 1024 * 1024;
const view = (i: number, state: TransferState, transferred = 0, speed = 0): TransferView => ({
  id: `t${i}`, name: `file-${i}-with-a-rather-long-name-for-narrow-terminals.bin`, localPath: `/data/file-${i}.bin`, targetId: 'x', remotePath: `/r/${i}`,
  provider: 'tus', size: 10 * MiB, state, transferred, speed, createdAt: i, updatedAt: 0,
});
const uploading = (i: number, transferred: number, speed = MiB) => view(i, { kind: 'uploading', offset: transferred }, transferred, speed);
const state = (views: TransferView[], resumed: [string, number][] = []): BlockState => ({ views, startedAt: 0, now: 65_000, resumedAt: new Map(resumed) });
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, '');

describe('renderBlock', () => {
  it('shows totals: done / all, bytes, speed, ETA and elapsed', () => {
    const lines = renderBlock(state([uploading(1, 5 * MiB), view(2, { kind: 'done', remotePath: '/r/2', verified: true }, 10 * MiB)]), { columns: 120, rows: 30, color: false });
    expect(lines[0]).toBe('Transferred:   15.0 MiB / 20.0 MiB, 75%, 1.0 MiB/s, ETA 0:05');
    expect(lines[1]).toBe('Files:         1 / 2');
    expect(lines[2]).toBe('Elapsed time:  1:05');
    expect(lines[3]).toMatch(/^ \* file-1-.*:  50% \/10\.0 MiB, 1\.0 MiB\/s, 0:05$/);
    expect(lines).toHaveLength(4);
  });

  it('never grows past the terminal, however many files and however small', () => {
    const many = Array.from({ length: 500 }, (_, i) => uploading(i, i * 1000));
    for (const [columns, rows] of [[80, 24], [40, 6], [20, 3], [10, 1]] as const) {
      const lines = renderBlock(state(many), { columns, rows, color: false });
      expect(lines.length, `${columns}x${rows}`).toBeLessThanOrEqual(Math.max(1, rows - 1));
      for (const l of lines) expect(l.length, l).toBeLessThan(columns);
    }
    expect(renderBlock(state(many), { columns: 80, rows: 10, color: false }).at(-1)).toBe(' … and 495 more');
  });

  it('says a resumed upload is resuming at its percent', () => {
    const lines = renderBlock(state([uploading(1, 5.2 * MiB)], [['t1', 5.15 * MiB]]), { columns: 120, rows: 10, color: false });
    expect(lines[3]).toContain('resuming at 51 %');
  });

  it('says waiting for connection instead of a speed while every transfer waits', () => {
    const w = view(1, { kind: 'waiting', offset: 0, until: 70_000, reason: 'offline', error: { code: 'network', message: 'x' } });
    const lines = renderBlock(state([w]), { columns: 120, rows: 10, color: false });
    expect(lines[0]).toContain('waiting for connection');
    expect(lines[3]).toContain('retrying in 5s');
  });

  it('a log or pipe gets the same words: the plain line says it is waiting, and for what, not just "-"', () => {
    const w = view(1, { kind: 'waiting', offset: 0, until: 70_000, reason: 'offline', error: { code: 'network', message: 'x' } });
    expect(plainLine(state([w]))).toBe('ferry: 0/1 files, 0 B / 10.0 MiB (0%), waiting for connection, retrying in 5s, elapsed 1:05');
    const busy = view(2, { kind: 'waiting', offset: 0, until: 68_000, reason: 'throttled', error: { code: 'rate-limited', message: 'x' } });
    expect(renderBlock(state([busy]), { columns: 120, rows: 10, color: false })[0]).toContain('server busy, retrying in 3s');
    // While another file moves, the speed is what counts.
    expect(plainLine(state([w, uploading(3, MiB)]))).toContain('1.0 MiB/s');
  });

  it('ends with a summary line', () => {
    const s = state([view(1, { kind: 'done', remotePath: '/', verified: true }, 10 * MiB), view(2, { kind: 'failed', offset: 0, error: { code: 'auth', message: 'x' } })]);
    expect(summaryLine(s)).toBe('Uploaded 1 of 2 files (10.0 MiB) in 1:05, 1 failed');
  });
});

describe('the terminal writer', () => {
  it('calls an upload resumed only when it was first seen before it moved in this run', () => {
    const s = { out: [] as string[], columns: 120, rows: 12, write(x: string) { this.out.push(x); } };
    const p = blockProgress(s, { now: () => 0, tickMs: 0, env: {} });
    p.update([view(1, { kind: 'queued' }, 5.15 * MiB), uploading(2, 3 * MiB)]);
    p.update([uploading(1, 6 * MiB), uploading(2, 4 * MiB)]);
    const last = s.out.at(-1)!;
    expect(last).toMatch(/file-1-.*resuming at 51 %/);
    expect(last).not.toMatch(/file-2-.*resuming/);
  });

  const sink = () => {
    const out: string[] = [];
    return { out, columns: 80, rows: 12, write: (s: string) => out.push(s) };
  };

  it('redraws in place: each frame moves up exactly the lines it drew', () => {
    const s = sink();
    const p = blockProgress(s, { now: () => 0, tickMs: 0, env: {} });
    p.update([uploading(1, MiB), uploading(2, MiB)]);
    p.update([uploading(1, 2 * MiB), uploading(2, 2 * MiB)]);
    expect(s.out[1]!.startsWith('\x1b[5A\r\x1b[J')).toBe(true);
    expect(s.out[1]!.split('\n')).toHaveLength(6);
  });

  it('prints a message above the block and Ctrl-C below it', () => {
    const s = sink();
    const p = blockProgress(s, { now: () => 0, tickMs: 0, env: { NO_COLOR: '1' } });
    p.update([uploading(1, MiB)]);
    p.line('ferry upload: warning: something');
    expect(strip(s.out[1]!).startsWith('ferry upload: warning: something\nTransferred:')).toBe(true);
    p.interrupt('ferry upload: interrupted; run the same command again to resume');
    const last = s.out.at(-1)!;
    expect(s.out.at(-2)!).toContain('Transferred:');
    expect(last).toBe('\r\x1b[2Kferry upload: interrupted; run the same command again to resume\n');
    p.update([uploading(1, 2 * MiB)]);
    expect(s.out.at(-1)).toBe(last);
  });

  it('respects NO_COLOR in the summary', () => {
    const done = [view(1, { kind: 'done', remotePath: '/', verified: true }, 10 * MiB)];
    const a = sink();
    blockProgress(a, { now: () => 0, tickMs: 0, env: { NO_COLOR: '1' } }).finish(done);
    expect(a.out.at(-1)).toBe('Uploaded 1 of 1 file (10.0 MiB) in 0:00\n');
    const b = sink();
    blockProgress(b, { now: () => 0, tickMs: 0, env: {} }).finish(done);
    expect(b.out.at(-1)).toContain('\x1b[32m');
  });
});

describe('the plain writer (not a terminal)', () => {
  it('writes a line per state change and a totals line every few seconds, no escape codes', () => {
    const out: string[] = [];
    let t = 0;
    const p = plainProgress({ write: (s: string) => out.push(s) }, { now: () => t, tickMs: 0 });
    p.update([view(1, { kind: 'queued' }, 5.15 * MiB)]);
    p.update([uploading(1, 5.2 * MiB)]);
    t = 6_000;
    p.update([uploading(1, 6 * MiB)]);
    p.finish([view(1, { kind: 'done', remotePath: '/r/1', verified: true }, 10 * MiB)]);
    expect(out).toEqual([
      '/data/file-1.bin: resuming at 51 %\n',
      'ferry: 0/1 files, 6.0 MiB / 10.0 MiB (60%), 1.0 MiB/s, ETA 0:04, elapsed 0:06\n',
      '/data/file-1.bin → /r/1: done (verified)\n',
      'Uploaded 1 of 1 file (10.0 MiB) in 0:06\n',
    ]);
  });
});

describe('a replaced file on a provider that keeps versions', () => {
  const v2 = { ...view(1, { kind: 'done', remotePath: '/Project/data.csv', verified: true, version: 2 }, 10 * MiB), remotePath: '/Project/data.csv' };
  const plain = { ...view(2, { kind: 'done', remotePath: '/Project/other.csv', verified: true }, 10 * MiB), remotePath: '/Project/other.csv' };

  it('the plain writer says which version the file now is; without one, nothing changes', () => {
    const out: string[] = [];
    plainProgress({ write: (s: string) => out.push(s) }, { now: () => 0, tickMs: 0 }).finish([v2, plain]);
    expect(out).toContain('/data/file-1.bin → /Project/data.csv (version 2): done (verified)\n');
    expect(out).toContain('/data/file-2.bin → /Project/other.csv: done (verified)\n');
  });

  it('the terminal writer names it above the summary (done rows leave the block)', () => {
    const out: string[] = [];
    blockProgress({ columns: 120, rows: 12, write: (s: string) => out.push(s) }, { now: () => 0, tickMs: 0, env: { NO_COLOR: '1' } }).finish([v2, plain]);
    expect(out.at(-2)).toBe('/data/file-1.bin → /Project/data.csv (version 2)\n');
    expect(out.at(-1)).toBe('Uploaded 2 of 2 files (20.0 MiB) in 0:00\n');
    expect(out.join('')).not.toContain('other.csv');
  });

  it('--json carries the version on the done event, and no version key without one', () => {
    const lines: string[] = [];
    jsonProgress((s) => lines.push(s)).finish([v2, plain]);
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ event: 'done', remotePath: '/Project/data.csv', verified: true, version: 2 });
    expect(b).toMatchObject({ event: 'done', verified: true });
    expect(b).not.toHaveProperty('version');
  });
});
