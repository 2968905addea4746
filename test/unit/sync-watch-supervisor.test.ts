import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { WatchSupervisor } from '../../app/sync/watch-supervisor.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { FakeWatcher } from '../fakes/fake-watcher.js';

function setup(maxRestarts = 3) {
  const timers = new FakeClock();
  const watcher = new FakeWatcher();
  const seen: string[] = [];
  const sup = new WatchSupervisor(watcher, '/root', () => false, {
    events: (b) => seen.push(`events:${b.map((e) => e.path).join(',')}`),
    overflow: (p) => seen.push(`overflow:${p}`),
    error: (e, fatal) => seen.push(`error:${fatal}:${e.message}`),
    restarting: (n, d) => seen.push(`restart:${n}:${d}`),
    gaveUp: () => seen.push('gave-up'),
  }, { maxRestarts, windowMs: 60_000, baseDelayMs: 1000, maxDelayMs: 30_000 }, timers);
  return { timers, watcher, seen, sup };
}

const boom = (m: string) => new FerryError('file-unreadable', m);

describe('WatchSupervisor', () => {
  it('reports a per-folder error and keeps the watch', async () => {
    const { watcher, seen, sup } = setup();
    await sup.start();
    watcher.current.sink.error(boom('Cannot watch locked'), false);
    watcher.current.sink.events([{ kind: 'add', path: 'a' }]);
    expect(seen).toEqual(['error:false:Cannot watch locked', 'events:a']);
    expect(watcher.started).toHaveLength(1);
  });

  it('restarts a failed watch with growing delays, rescans after each restart, and gives up at the cap', async () => {
    const { timers, watcher, seen, sup } = setup(2);
    await sup.start();
    watcher.current.sink.error(boom('inotify died'), true);
    expect(watcher.closed).toBe(1);
    await timers.advance(999);
    expect(watcher.started).toHaveLength(1);
    await timers.advance(1);
    expect(watcher.started).toHaveLength(2);
    expect(seen.slice(-1)).toEqual(['overflow:']);
    watcher.current.sink.error(boom('again'), true);
    await timers.advance(2000);
    expect(watcher.started).toHaveLength(3);
    watcher.current.sink.error(boom('third'), true);
    expect(seen.filter((s) => s.startsWith('restart'))).toEqual(['restart:1:1000', 'restart:2:2000']);
    expect(seen[seen.length - 1]).toBe('gave-up');
    await timers.advance(60_000);
    expect(watcher.started).toHaveLength(3);
  });

  it('ignores events from a watch it already replaced', async () => {
    const { timers, watcher, seen, sup } = setup();
    await sup.start();
    const old = watcher.current;
    old.sink.error(boom('dead'), true);
    await timers.advance(1000);
    old.sink.events([{ kind: 'add', path: 'stale' }]);
    expect(seen.some((s) => s.includes('stale'))).toBe(false);
  });

  it('cancels a pending restart on stop', async () => {
    const { timers, watcher, sup } = setup();
    await sup.start();
    watcher.current.sink.error(boom('dead'), true);
    await sup.stop();
    expect(timers.pending()).toBe(0);
    await timers.advance(10_000);
    expect(watcher.started).toHaveLength(1);
  });
});
