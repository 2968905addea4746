import { describe, expect, it } from 'vitest';
import { StabilityDetector } from '../../app/sync/stability.js';

describe('StabilityDetector', () => {
  it('holds a file that keeps growing and releases it once size and mtime are still for the window', () => {
    const d = new StabilityDetector({ windowMs: 2000, maxWaitMs: 60_000 });
    let t = 0;
    for (let i = 0; i < 25; i++, t += 200) {
      d.observe('a.log', { size: i * 10, mtimeMs: t }, t);
      expect(d.release(t)).toEqual([]);
    }
    // The last write was seen at 4800; re-stats that show the same size and mtime do not restart the window.
    const last = { size: 240, mtimeMs: 4800 };
    d.observe('a.log', last, 5000);
    expect(d.release(6700)).toEqual([]);
    d.observe('a.log', last, 6800);
    expect(d.release(6800)).toEqual([{ path: 'a.log', stat: last, forced: false }]);
    expect(d.size).toBe(0);
  });

  it('treats an mtime change with the same size as a change', () => {
    const d = new StabilityDetector({ windowMs: 1000, maxWaitMs: 60_000 });
    d.observe('x', { size: 5, mtimeMs: 1 }, 0);
    d.observe('x', { size: 5, mtimeMs: 900 }, 900);
    expect(d.release(1500)).toEqual([]);
    expect(d.release(1900)).toHaveLength(1);
  });

  it('releases a file that never settles after the maximum wait, flagged as forced', () => {
    const d = new StabilityDetector({ windowMs: 1000, maxWaitMs: 5000 });
    for (let t = 0; t < 5000; t += 100) {
      d.observe('rec.wav', { size: t, mtimeMs: t }, t);
      expect(d.release(t)).toEqual([]);
    }
    d.observe('rec.wav', { size: 5000, mtimeMs: 5000 }, 5000);
    expect(d.release(5000)).toEqual([{ path: 'rec.wav', stat: { size: 5000, mtimeMs: 5000 }, forced: true }]);
  });

  it('forgets a file that disappeared and reports when the next one could be due', () => {
    const d = new StabilityDetector({ windowMs: 1000, maxWaitMs: 5000 });
    d.observe('a', { size: 1, mtimeMs: 1 }, 0);
    d.observe('b', { size: 1, mtimeMs: 1 }, 300);
    d.forget('a');
    expect(d.nextDue()).toBe(1300);
    expect(d.release(1300).map((r) => r.path)).toEqual(['b']);
  });
});
