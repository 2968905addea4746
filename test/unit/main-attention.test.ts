// Notifications, the power-save blocker and the tray line, fed with consecutive transfer lists.
import { describe, expect, it } from 'vitest';
import type { TransferState, TransferView } from '../../app/common/transfer.js';
import { AttentionTracker, shouldBlockSleep, trayStatus } from '../../main/attention.js';

const view = (id: string, state: TransferState): TransferView => ({
  id, name: `${id}.mov`, localPath: `/v/${id}.mov`, targetId: 't', remotePath: `/r/${id}.mov`, provider: 'tus',
  size: 10, state, transferred: 0, speed: 0, createdAt: 0, updatedAt: 0,
});
const failed: TransferState = { kind: 'failed', offset: 0, error: { code: 'auth', message: 'the server refused the token' } };

describe('attention', () => {
  it('notifies on transitions to done and failed, not at start-up and not twice', () => {
    const a = new AttentionTracker();
    expect(a.next([view('a', { kind: 'done', remotePath: '/r/a.mov', verified: true })])).toEqual([]);
    expect(a.next([view('b', { kind: 'uploading', offset: 0 }), view('c', { kind: 'queued' })])).toEqual([]);
    expect(a.next([view('b', { kind: 'done', remotePath: '/r/b.mov', verified: true }), view('c', failed)])).toEqual([
      { title: 'Upload finished', body: 'b.mov → /r/b.mov' },
      { title: 'Upload needs attention', body: 'c.mov: the server refused the token' },
    ]);
    expect(a.next([view('b', { kind: 'done', remotePath: '/r/b.mov', verified: true }), view('c', failed)])).toEqual([]);
  });

  it('folds many at once into one notice', () => {
    const a = new AttentionTracker();
    const ids = ['a', 'b', 'c', 'd', 'e'];
    a.next(ids.map((id) => view(id, { kind: 'uploading', offset: 0 })));
    const out = a.next(ids.map((id, i) => view(id, i === 0 ? failed : { kind: 'done', remotePath: '/', verified: false })));
    expect(out).toEqual([{ title: 'Uploads need attention', body: '4 finished, 1 failed' }]);
  });

  it('keeps the machine awake only while bytes are due to move, and words the tray', () => {
    expect(shouldBlockSleep([view('a', { kind: 'paused', offset: 0 }), view('b', failed)])).toBe(false);
    expect(shouldBlockSleep([view('a', { kind: 'uploading', offset: 0 })])).toBe(true);
    expect(trayStatus([view('a', { kind: 'uploading', offset: 0 }), view('b', { kind: 'paused', offset: 0 }), view('c', failed)])).toBe('1 uploading · 1 paused · 1 failed');
    expect(trayStatus([])).toBe('Idle');
  });
});
