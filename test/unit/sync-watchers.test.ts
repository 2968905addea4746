// Both watcher adapters against a real temp dir: relative '/' paths, ignore rules applied
// (nothing under .git/ reaches the folder), symlinked folders not descended into, and errors
// mapped to FerryErrors that say whether the watch survived.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChokidarWatcher, watchError } from '../../app/node/watcher-chokidar.js';
import { ParcelWatcher } from '../../app/node/watcher-parcel.js';
import { createWatcher } from '../../app/runtime/watcher-select.js';
import { createIgnoreMatcher } from '../../app/sync/ignore-rules.js';
import type { Watcher, WatchEvent } from '../../app/engine/watcher.js';

describe.each<[string, () => Watcher]>([
  ['chokidar', () => new ChokidarWatcher()],
  ['parcel', () => new ParcelWatcher()],
])('%s adapter', (_n, make) => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-watch-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('reports changes as relative paths, skipping ignored ones and anything behind a symlinked folder', async () => {
    const root = join(base, 'root');
    const outside = join(base, 'outside');
    await mkdir(join(root, '.git'), { recursive: true });
    await mkdir(outside);
    await symlink(outside, join(root, 'link'));
    const seen: WatchEvent[] = [];
    const errors: string[] = [];
    const m = createIgnoreMatcher();
    const sub = make().watch({
      root, ignored: (r) => m.ignored(r),
      sink: { events: (b) => seen.push(...b), overflow: () => undefined, error: (e) => errors.push(e.message) },
    });
    await sub.ready;
    await writeFile(join(root, '.git', 'index'), 'x');
    await writeFile(join(outside, 'secret'), 's');
    await writeFile(join(root, 'Thumbs.db'), 't');
    await mkdir(join(root, 'day1'));
    // The folder's own event first: a file written in the same instant as its new folder can land
    // before the watcher has added the folder (inotify; sync's rescans cover that, not this test).
    const dirSeen = Date.now() + 5_000;
    while (!seen.some((e) => e.path === 'day1') && Date.now() < dirSeen) await new Promise((r) => setTimeout(r, 25));
    await writeFile(join(root, 'day1', 'clip.mov'), 'c');
    const end = Date.now() + 10_000;
    while (!seen.some((e) => e.path === 'day1/clip.mov') && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 300));
    await sub.close();
    const paths = new Set(seen.map((e) => e.path));
    expect(paths.has('day1/clip.mov')).toBe(true);
    expect([...paths].filter((p) => p.startsWith('.git') || p.startsWith('link/') || p === 'Thumbs.db' || p.startsWith('/') || p.includes('..'))).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('watcher errors and selection', () => {
  it('maps a permission error to a per-folder, non-fatal error naming the folder', () => {
    const err = Object.assign(new Error('EACCES: permission denied, scandir'), { code: 'EACCES', path: '/data/Footage/locked' });
    const { error, fatal } = watchError(err, '/data/Footage', 'chokidar');
    expect(fatal).toBe(false);
    expect(error.code).toBe('file-unreadable');
    expect(error.message).toBe("Cannot watch 'locked' in /data/Footage (chokidar): permission denied");
  });

  it('maps running out of inotify watches to a fatal error that says what to raise', () => {
    const { error, fatal } = watchError(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }), '/data/F', 'chokidar');
    expect(fatal).toBe(true);
    expect(error.message).toMatch(/fs\.inotify\.max_user_watches/);
  });

  it('defaults to @parcel/watcher, honours chokidar on request, and refuses an unknown name', async () => {
    expect((await createWatcher(undefined)).name).toBe('parcel');
    expect((await createWatcher('chokidar')).name).toBe('chokidar');
    await expect(createWatcher('inotifywait')).rejects.toThrow(/unknown watcher 'inotifywait'/);
  });
});
