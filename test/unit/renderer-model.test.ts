// The renderer's pure parts: row words and numbers, deltas between lists, and the store's
// ordering, which is rebuilt only when membership changes.
import { describe, expect, it } from 'vitest';
import type { TransferState, TransferView } from '../../app/common/transfer.js';
import { applyDelta, DeltaTracker } from '../../app/common/transfer-delta.js';
import { actionsFor, eta, formatDuration, formatSpeed, percent, tabOf } from '../../renderer/format.js';
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
    expect(s.ids('queue')).toEqual(['t2']);
    expect(s.ids('history')).toEqual(['t3', 't1']);
    expect(s.totals()).toEqual({ active: 1, paused: 0, speed: 100, failed: 1 });
  });
});
