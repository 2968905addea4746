import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../app/sync/aggregator.js';

describe('Aggregator', () => {
  const opts = { quietMs: 100, maxDelayMs: 1000, maxPaths: 50, maxPerDir: 5 };

  it('releases a path only after it has been quiet for the quiet period', () => {
    const a = new Aggregator(opts);
    a.push({ kind: 'add', path: 'a.mov' }, 0);
    a.push({ kind: 'change', path: 'a.mov' }, 80);
    expect(a.take(150)).toBeUndefined();
    expect(a.nextDue()).toBe(180);
    expect(a.take(180)).toEqual({ paths: ['a.mov'], dirs: [] });
    expect(a.size).toBe(0);
  });

  it('releases a path that never goes quiet after the maximum delay', () => {
    const a = new Aggregator(opts);
    let t = 0;
    for (; t < 1000; t += 50) {
      a.push({ kind: 'change', path: 'log.txt' }, t);
      expect(a.take(t)).toBeUndefined();
    }
    expect(a.take(1000)).toEqual({ paths: ['log.txt'], dirs: [] });
  });

  it('coalesces add+unlink into nothing and unlink+add into one change', () => {
    const a = new Aggregator(opts);
    a.push({ kind: 'add', path: 'tmp123' }, 0);
    a.push({ kind: 'unlink', path: 'tmp123' }, 10);
    a.push({ kind: 'unlink', path: 'doc.txt' }, 10);
    a.push({ kind: 'add', path: 'doc.txt' }, 20);
    expect(a.size).toBe(1);
    expect(a.take(500)).toEqual({ paths: ['doc.txt'], dirs: [] });
  });

  it('collapses a burst in one folder into a rescan of that folder, and drops events it covers', () => {
    const a = new Aggregator(opts);
    for (let i = 0; i < 6; i++) a.push({ kind: 'add', path: `shots/f${i}.jpg` }, i);
    a.push({ kind: 'add', path: 'shots/deeper/x.jpg' }, 10);
    a.push({ kind: 'add', path: 'other.txt' }, 10);
    expect(a.take(500)).toEqual({ paths: ['other.txt'], dirs: ['shots'] });
  });

  it('collapses everything into a root rescan when too many paths are pending (overflow)', () => {
    const a = new Aggregator({ ...opts, maxPaths: 10, maxPerDir: 100 });
    for (let i = 0; i < 11; i++) a.push({ kind: 'add', path: `d${i}/f` }, 0);
    a.push({ kind: 'change', path: 'late' }, 1);
    expect(a.size).toBe(1);
    expect(a.take(500)).toEqual({ paths: [], dirs: [''] });
  });

  it('turns a watcher overflow into a rescan of the named folder', () => {
    const a = new Aggregator(opts);
    a.push({ kind: 'add', path: 'cam/a' }, 0);
    a.overflow('cam', 5);
    a.push({ kind: 'add', path: 'cam/b' }, 6);
    expect(a.take(500)).toEqual({ paths: [], dirs: ['cam'] });
  });

  it('treats a new folder as a walk and folds events inside it into that walk', () => {
    const a = new Aggregator(opts);
    a.push({ kind: 'addDir', path: 'day2' }, 0);
    a.push({ kind: 'add', path: 'day2/clip.mov' }, 1);
    expect(a.take(500)).toEqual({ paths: [], dirs: ['day2'] });
  });
});
