// The renderer's pure parts: row words and numbers, deltas between lists, and the store's
// ordering, which is rebuilt only when membership changes.
import { describe, expect, it } from 'vitest';
import type { TransferState, TransferView } from '../../app/common/transfer.js';
import { applyDelta, DeltaTracker } from '../../app/common/transfer-delta.js';
import { actionsFor, cancelNeedsConfirm, eta, formatDuration, formatSpeed, headerSummary, limitNowWords, overallWords, percent, rowSpeed, stateWords, tabOf } from '../../renderer/format.js';
import { shortcutFor } from '../../renderer/shortcuts.js';
import { TransferStore } from '../../renderer/transfer-store.js';

const view = (id: string, state: TransferState, extra: Partial<TransferView> = {}): TransferView => ({
  id, name: `${id}.bin`, localPath: `/l/${id}`, targetId: 't', remotePath: `/r/${id}`, provider: 'tus',
  size: 1000, state, transferred: 0, speed: 0, createdAt: Number(id.replace(/\D/g, '')) || 0, updatedAt: 0, ...extra,
});
const up = (id: string, transferred: number, speed = 100) => view(id, { kind: 'uploading', offset: transferred }, { transferred, speed, updatedAt: transferred });

describe('row words', () => {
  it('speed, time left and percent', () => {
    expect(formatSpeed(0)).toBe('');
    expect(formatSpeed(1536 * 1024)).toBe('1.5 MiB/s');
    expect(formatDuration(59.2)).toBe('1m 00s');
    expect(formatDuration(3 * 3600 + 125)).toBe('3h 02m');
    expect(eta(up('a', 400, 100))).toBe('6s');
    expect(eta(view('a', { kind: 'paused', offset: 400 }, { speed: 100 }))).toBe('');
    expect(percent(up('a', 999))).toBe('99%');
    expect(percent(view('e', { kind: 'done', remotePath: '/', verified: true }, { size: 0 }))).toBe('100%');
  });

  it('offers only the actions that make sense in each state', () => {
    expect(actionsFor(up('a', 1))).toEqual({ pause: true, resume: false, cancel: true, retry: false });
    expect(actionsFor(view('a', { kind: 'paused', offset: 0 }))).toEqual({ pause: false, resume: true, cancel: true, retry: false });
    expect(actionsFor(view('a', { kind: 'failed', offset: 0, error: { code: 'auth', message: 'x' } }))).toEqual({ pause: false, resume: false, cancel: true, retry: true });
    expect(actionsFor(view('a', { kind: 'done', remotePath: '/', verified: true }))).toEqual({ pause: false, resume: false, cancel: false, retry: false });
    expect(tabOf(view('a', { kind: 'cancelled', sessionDeleted: true }))).toBe('history');
  });
});

describe('deltas', () => {
  it('send everything first, then only what changed, and removals', () => {
    const t = new DeltaTracker();
    const a = up('a1', 0);
    const b = up('b2', 0);
    expect(t.next([a, b])).toEqual({ reset: true, upsert: [a, b], remove: [] });
    expect(t.next([a, { ...b }])).toBeUndefined();
    const b2 = up('b2', 500);
    expect(t.next([a, b2])).toEqual({ reset: false, upsert: [b2], remove: [] });
    expect(t.next([b2])).toEqual({ reset: false, upsert: [], remove: ['a1'] });
    const rows = applyDelta(new Map(), { reset: true, upsert: [a, b], remove: [] });
    applyDelta(rows, { reset: false, upsert: [b2], remove: ['a1'] });
    expect([...rows.values()]).toEqual([b2]);
  });
});

describe('transfer store', () => {
  it('orders the queue oldest first and the history newest first, following moves between them', () => {
    const s = new TransferStore();
    s.apply({ reset: true, upsert: [up('t3', 0), up('t1', 0), up('t2', 0)], remove: [] });
    expect(s.ids('queue')).toEqual(['t1', 't2', 't3']);
    const order = s.ids('queue');
    s.apply({ reset: false, upsert: [up('t2', 500)], remove: [] });
    expect(s.ids('queue')).toBe(order);
    expect(s.rows.get('t2')!.transferred).toBe(500);
    s.apply({ reset: false, upsert: [view('t1', { kind: 'done', remotePath: '/', verified: true }), view('t3', { kind: 'failed', offset: 0, error: { code: 'network', message: 'x' } })], remove: [] });
    // A failure stays in the queue, where the user looks; only done and cancelled move on.
    expect(s.ids('queue')).toEqual(['t2', 't3']);
    expect(s.ids('history')).toEqual(['t1']);
    expect(s.totals()).toEqual({ active: 1, uploading: 1, waiting: 0, paused: 0, failed: 1, speed: 100, bytes: 1000, sent: 500, left: 500 });
    expect(s.failedIds()).toEqual(['t3']);
  });
});

describe('header and row words (issue 13)', () => {
  const net = { code: 'network' as const, message: 'OPTIONS http://127.0.0.1:9/x: connection refused' };
  const waiting = (until: number) => view('w', { kind: 'waiting', offset: 0, until, reason: 'backoff', error: net }, { speed: 0 });

  it('says Waiting for connection, not 0 B/s, while the server is down', () => {
    const s = new TransferStore();
    s.apply({ reset: true, upsert: [waiting(30_000)], remove: [] });
    expect(headerSummary(s.totals())).toBe('Waiting for connection');
    s.apply({ reset: false, upsert: [up('u1', 10, 2048)], remove: [] });
    expect(headerSummary(s.totals())).toBe('2 active · 2.0 KiB/s');
    expect(headerSummary(new TransferStore().totals())).toBe('Idle');
  });

  it('counts a retry down against the clock and says it in words', () => {
    expect(stateWords(waiting(30_000), 3_000)).toBe('Waiting for connection, retrying in 27s');
    expect(stateWords(waiting(30_000), 29_100)).toBe('Waiting for connection, retrying in 1s');
    expect(stateWords(waiting(30_000), 29_100)).not.toContain('127.0.0.1');
  });

  it('says which version a replaced file now is, where the provider keeps versions', () => {
    expect(stateWords(view('v', { kind: 'done', remotePath: '/r/v', verified: true, version: 2 }), 0)).toBe('Done (verified), version 2');
    expect(stateWords(view('v', { kind: 'done', remotePath: '/r/v', verified: false, version: 3 }), 0)).toBe('Done, version 3');
    expect(stateWords(view('n', { kind: 'done', remotePath: '/r/n', verified: true }), 0)).toBe('Done (verified)');
  });

  it('shows no speed on a paused row', () => {
    expect(rowSpeed(view('p', { kind: 'paused', offset: 10 }, { speed: 5000 }))).toBe(0);
    expect(rowSpeed(up('u', 10, 5000))).toBe(5000);
  });

  it('gives overall progress and time left for everything queued', () => {
    const s = new TransferStore();
    s.apply({ reset: true, upsert: [up('a1', 250, 50), up('b2', 750, 50)], remove: [] });
    expect(overallWords(s.totals())).toBe('1000 B of 2.0 KiB (50%) · about 10s left');
  });

  it('asks before cancelling a large transfer', () => {
    expect(cancelNeedsConfirm(view('big', { kind: 'paused', offset: 0 }, { size: 200 * 1024 * 1024 }))).toBe(true);
    expect(cancelNeedsConfirm(up('small', 10))).toBe(false);
  });
});

describe('keyboard shortcuts', () => {
  const key = (k: string, o: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean; inField: boolean }> = {}) =>
    shortcutFor({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, inField: false, ...o });

  it('add, pause all and resume all, but never while typing in a field', () => {
    expect([key('a'), key('A', { shiftKey: true }), key('p'), key('r')]).toEqual(['addFiles', 'addFolder', 'pauseAll', 'resumeAll']);
    expect(key('o', { ctrlKey: true })).toBe('addFiles');
    expect(key('o', { metaKey: true, inField: true })).toBe('addFiles');
    expect(key('p', { inField: true })).toBeUndefined();
    expect(key('r', { ctrlKey: true })).toBeUndefined();
    expect(key('x')).toBeUndefined();
  });
});

describe('the bandwidth limit in words', () => {
  it("says the limit is shared, and this process's part, when other Ferry processes upload too", () => {
    const M = 1024 * 1024;
    expect(limitNowWords({ spec: '4M', rate: 4 * M })).toBe('Now 4.0 MiB/s for all uploads together');
    expect(limitNowWords({ spec: '4M', rate: 4 * M, sharers: 2 })).toBe('Now 4.0 MiB/s for all uploads together, shared with 1 other Ferry process uploading now (2.0 MiB/s here)');
    expect(limitNowWords({ spec: '4M', rate: 4 * M, sharers: 3 })).toContain('shared with 2 other Ferry processes');
    expect(limitNowWords({ spec: 'off', rate: null })).toBe('No limit now');
    expect(limitNowWords({ spec: '0', rate: 0, sharers: 2 })).toBe('Paused now (an upload window is closed)');
  });
});
