import { describe, expect, it } from 'vitest';
import { transition } from '../../app/engine/transition.js';
import type { TransferState } from '../../app/common/transfer.js';

const err = { code: 'network' as const, message: 'connection reset' };

describe('transition', () => {
  it('walks the happy path queued → uploading → finishing → done', () => {
    let s: TransferState = { kind: 'queued' };
    s = transition(s, { type: 'upload', offset: 0 });
    s = transition(s, { type: 'progress', offset: 100 });
    expect(s).toEqual({ kind: 'uploading', offset: 100 });
    s = transition(s, { type: 'finishing' });
    s = transition(s, { type: 'done', remotePath: '/a', verified: true });
    expect(s).toEqual({ kind: 'done', remotePath: '/a', verified: true });
  });

  it("keeps the provider's version number on the done state, and adds no key without one", () => {
    const finishing: TransferState = { kind: 'finishing', offset: 9 };
    expect(transition(finishing, { type: 'done', remotePath: '/a', verified: true, version: 2 })).toStrictEqual({ kind: 'done', remotePath: '/a', verified: true, version: 2 });
    expect(transition(finishing, { type: 'done', remotePath: '/a', verified: false })).toStrictEqual({ kind: 'done', remotePath: '/a', verified: false });
  });

  it('ignores progress that arrives after a pause (no flip back to uploading)', () => {
    const paused = transition({ kind: 'uploading', offset: 10 }, { type: 'pause' });
    expect(paused).toEqual({ kind: 'paused', offset: 10 });
    expect(transition(paused, { type: 'progress', offset: 20 })).toBe(paused);
    expect(transition(paused, { type: 'upload', offset: 20 })).toBe(paused);
  });

  it('keeps the confirmed offset through waiting, pause and failure', () => {
    const waiting = transition({ kind: 'uploading', offset: 42 }, { type: 'wait', until: 5, reason: 'backoff', error: err });
    expect(waiting).toMatchObject({ kind: 'waiting', offset: 42 });
    expect(transition(waiting, { type: 'fail', error: err })).toEqual({ kind: 'failed', offset: 42, error: err });
  });

  it('resumes a paused transfer into the queue and retries a failed one', () => {
    expect(transition({ kind: 'paused', offset: 3 }, { type: 'resume' })).toEqual({ kind: 'queued' });
    expect(transition({ kind: 'failed', offset: 3, error: err }, { type: 'requeue' })).toEqual({ kind: 'queued' });
    expect(transition({ kind: 'done', remotePath: '/a', verified: false }, { type: 'requeue' })).toEqual({ kind: 'done', remotePath: '/a', verified: false });
  });

  it('never un-finishes: done and cancelled absorb every event', () => {
    const done: TransferState = { kind: 'done', remotePath: '/a', verified: true };
    const cancelled: TransferState = { kind: 'cancelled', sessionDeleted: true };
    for (const s of [done, cancelled]) {
      expect(transition(s, { type: 'fail', error: err })).toBe(s);
      expect(transition(s, { type: 'cancel', sessionDeleted: false })).toBe(s);
      expect(transition(s, { type: 'pause' })).toBe(s);
    }
  });

  it('cancels from any unfinished state, carrying the note', () => {
    expect(transition({ kind: 'paused', offset: 1 }, { type: 'cancel', sessionDeleted: false, note: 'no delete API' })).toEqual({ kind: 'cancelled', sessionDeleted: false, note: 'no delete API' });
  });

  it('a cancel whose server delete is owed is a state: it takes the retried delete, then absorbs like any cancel', () => {
    const owed = transition({ kind: 'waiting', offset: 4, until: 9, reason: 'offline', error: err }, { type: 'cancel', sessionDeleted: false, note: 'offline', deletePending: true });
    expect(owed).toEqual({ kind: 'cancelled', sessionDeleted: false, note: 'offline', deletePending: true });
    expect(transition(owed, { type: 'restart' })).toBe(owed);
    expect(transition(owed, { type: 'requeue' })).toBe(owed);
    expect(transition(owed, { type: 'cancel', sessionDeleted: false, note: 'offline', deletePending: true })).toEqual(owed);
    const deleted = transition(owed, { type: 'cancel', sessionDeleted: true });
    expect(deleted).toEqual({ kind: 'cancelled', sessionDeleted: true });
    expect(transition(deleted, { type: 'cancel', sessionDeleted: false, note: 'offline', deletePending: true })).toBe(deleted);
  });
});

describe('afterRestart', () => {
  it('queues what was in flight and keeps what was settled or chosen by the user', async () => {
    const { afterRestart } = await import('../../app/engine/transition.js');
    expect(afterRestart({ kind: 'uploading', offset: 5 })).toEqual({ kind: 'queued' });
    expect(afterRestart({ kind: 'finishing', offset: 5 })).toEqual({ kind: 'queued' });
    expect(afterRestart({ kind: 'paused', offset: 5 })).toEqual({ kind: 'paused', offset: 5 });
    expect(afterRestart({ kind: 'failed', offset: 5, error: err })).toEqual({ kind: 'failed', offset: 5, error: err });
  });
});
