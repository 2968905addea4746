// SyncFolder against real temp dirs and both real watcher adapters, with a recording engine.
// Short windows (settle 300 ms, quiet 50 ms) keep each case under a few seconds; every wait is
// bounded by waitFor's deadline, which guards against hangs and never measures speed.
import { appendFile, mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChokidarWatcher } from '../../app/node/watcher-chokidar.js';
import { ParcelWatcher } from '../../app/node/watcher-parcel.js';
import type { SyncEvent } from '../../app/sync/sync-events.js';
import { SyncFolder } from '../../app/sync/sync-folder.js';
import type { Watcher } from '../../app/engine/watcher.js';
import { FakeEngine } from '../fakes/fake-engine.js';
import { waitFor } from '../helpers/wait-for.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each<[string, () => Watcher]>([
  ['chokidar', () => new ChokidarWatcher()],
  ['parcel', () => new ParcelWatcher()],
])('SyncFolder with %s', (_name, makeWatcher) => {
  let base: string;
  let root: string;
  let state: string;
  let engine: FakeEngine;
  let folder: SyncFolder | undefined;
  let events: SyncEvent[];

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-syncf-'));
    root = join(base, 'Footage');
    state = join(base, 'home', 'sync', 'f1');
    await mkdir(root);
    engine = new FakeEngine({ finish: 'auto' });
    events = [];
  });
  afterEach(async () => {
    await folder?.stop();
    folder = undefined;
    await rm(base, { recursive: true, force: true });
  });

  const start = async (aggregator: Record<string, number> = {}, maxWaitMs = 20_000): Promise<SyncFolder> => {
    folder = new SyncFolder(
      { id: 'f1', root, targetId: 't1', remoteDir: '/Footage', stateDir: state, stability: { windowMs: 300, maxWaitMs }, aggregator: { quietMs: 50, ...aggregator } },
      { engine, watcher: makeWatcher(), onEvent: (e) => events.push(e), log: () => undefined },
    );
    await folder.start();
    return folder;
  };
  const done = () => events.filter((e) => e.type === 'done').length;

  it('uploads what is there at start, then a new file in a new subfolder, each once', async () => {
    await writeFile(join(root, 'a.txt'), 'alpha');
    await mkdir(join(root, 'day1'));
    await writeFile(join(root, 'day1', 'b.txt'), 'bravo');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(root, 'a.txt'), old, old);
    await utimes(join(root, 'day1', 'b.txt'), old, old);
    await start();
    await waitFor(() => done() === 2, 'initial uploads');
    expect(engine.remotePaths().sort()).toEqual(['/Footage/a.txt', '/Footage/day1/b.txt']);
    expect(engine.added.every((a) => a.item.conflict === 'replace' && a.item.origin === 'sync:f1' && a.targetId === 't1')).toBe(true);

    await mkdir(join(root, 'day2'));
    await writeFile(join(root, 'day2', 'c.txt'), 'charlie');
    await waitFor(() => done() === 3, 'new file upload');
    await sleep(500);
    expect(engine.remotePaths().slice(2)).toEqual(['/Footage/day2/c.txt']);
    expect(engine.added[2]!.bytes.toString()).toBe('charlie');
  });

  it('uploads a file that is appended to repeatedly only once, after the writes stop, with all its bytes', async () => {
    await start();
    const p = join(root, 'growing.log');
    await writeFile(p, '');
    for (let i = 0; i < 10; i++) {
      await appendFile(p, `line ${i}\n`);
      await sleep(100);
    }
    await waitFor(() => done() === 1, 'upload of the grown file');
    await sleep(600);
    expect(engine.added).toHaveLength(1);
    expect(engine.added[0]!.bytes.toString()).toBe(Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join(''));
  });

  it('uploads a file that never settles after the maximum wait, then again with its final content once it does', async () => {
    await start({}, 1000);
    const p = join(root, 'recording.wav');
    await writeFile(p, '');
    let expected = '';
    for (let i = 0; i < 25; i++) {
      expected += `frame ${i}\n`;
      await appendFile(p, `frame ${i}\n`);
      await sleep(100);
    }
    await waitFor(() => engine.added.at(-1)?.bytes.toString() === expected, 'the final upload');
    await sleep(600);
    expect(engine.added.length).toBeGreaterThanOrEqual(2);
    // The first upload went while the file was still growing: forced by the maximum wait.
    expect(engine.added[0]!.bytes.length).toBeLessThan(expected.length);
    expect(engine.added.at(-1)!.bytes.toString()).toBe(expected);
  });

  it('counts an atomic save (write a temp file, rename over the original) as one change', async () => {
    await writeFile(join(root, 'doc.txt'), 'v1');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(root, 'doc.txt'), old, old);
    await start();
    await waitFor(() => done() === 1, 'first upload');
    await writeFile(join(root, '.doc.txt.tmp4821'), 'version two');
    await rename(join(root, '.doc.txt.tmp4821'), join(root, 'doc.txt'));
    await waitFor(() => done() === 2, 'second upload');
    await sleep(600);
    expect(engine.remotePaths()).toEqual(['/Footage/doc.txt', '/Footage/doc.txt']);
    expect(engine.added[1]!.bytes.toString()).toBe('version two');
  });

  it('uploads the files of a renamed folder under the new name and deletes nothing', async () => {
    await mkdir(join(root, 'raw'));
    await writeFile(join(root, 'raw', 'x.bin'), 'xx');
    await writeFile(join(root, 'raw', 'y.bin'), 'yy');
    await start();
    await waitFor(() => done() === 2, 'first uploads');
    await rename(join(root, 'raw'), join(root, 'graded'));
    await waitFor(() => done() === 4, 'uploads under the new name');
    await sleep(500);
    expect(engine.remotePaths().slice(2).sort()).toEqual(['/Footage/graded/x.bin', '/Footage/graded/y.bin']);
    expect(engine.added).toHaveLength(4);
  });

  it('does not follow a symlink that points outside the root', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(outside, join(root, 'escape'));
    await writeFile(join(root, 'ok.txt'), 'ok');
    await start();
    await waitFor(() => done() === 1, 'upload');
    await writeFile(join(outside, 'later.txt'), 'later');
    await writeFile(join(root, 'ok2.txt'), 'ok2');
    await waitFor(() => done() === 2, 'second upload');
    await sleep(500);
    expect(engine.remotePaths().sort()).toEqual(['/Footage/ok.txt', '/Footage/ok2.txt']);
    expect(events).toContainEqual({ type: 'skipped', path: 'escape', reason: 'symbolic link (not followed)' });
  });

  it('skips temporary files and honours the folder .ferryignore', async () => {
    await writeFile(join(root, '.ferryignore'), '*.braw\n');
    await start();
    await writeFile(join(root, 'clip.braw'), 'raw');
    await writeFile(join(root, 'movie.mp4.part'), 'partial');
    await writeFile(join(root, '.DS_Store'), 'x');
    await writeFile(join(root, 'keep.mov'), 'keep');
    await waitFor(() => done() === 1, 'upload');
    await sleep(500);
    expect(engine.remotePaths()).toEqual(['/Footage/keep.mov']);
  });

  it('applies an edited .ferryignore without a restart', async () => {
    await start();
    await writeFile(join(root, '.ferryignore'), '*.raw\n');
    await waitFor(() => events.filter((e) => e.type === 'scanned' && e.dir === '').length === 2, 'the rescan after the rules changed');
    await writeFile(join(root, 'a.raw'), 'raw');
    await writeFile(join(root, 'b.txt'), 'text');
    await waitFor(() => done() === 1, 'upload');
    await sleep(500);
    expect(engine.remotePaths()).toEqual(['/Footage/b.txt']);
  });

  it('restarts cheaply: nothing re-queued when nothing changed, exactly the edits when something did', async () => {
    for (const n of ['a', 'b', 'c']) await writeFile(join(root, `${n}.txt`), n);
    await start();
    await waitFor(() => done() === 3, 'first uploads');
    await folder!.stop();

    events = [];
    await start();
    await waitFor(() => events.some((e) => e.type === 'scanned'), 'scan');
    await sleep(500);
    expect(engine.added).toHaveLength(3);
    await folder!.stop();

    await writeFile(join(root, 'b.txt'), 'b changed while Ferry was off');
    await writeFile(join(root, 'd.txt'), 'new while off');
    // Touched but identical: the hash tells it apart from an edit.
    const later = new Date(Date.now() + 5_000);
    await utimes(join(root, 'c.txt'), later, later);
    await rm(join(root, 'a.txt'));
    events = [];
    await start();
    await waitFor(() => done() === 2, 'uploads of the edits');
    await sleep(500);
    expect(engine.remotePaths().slice(3).sort()).toEqual(['/Footage/b.txt', '/Footage/d.txt']);
    expect(events).toContainEqual({ type: 'unchanged', path: 'c.txt' });
  });

  it('re-uploads a file that changed while its upload was in flight, after that upload settles', async () => {
    engine = new FakeEngine();
    await writeFile(join(root, 'v.txt'), 'one');
    await start();
    await waitFor(() => engine.added.length === 1, 'queued');
    await writeFile(join(root, 'v.txt'), 'two!');
    await sleep(800);
    expect(engine.added).toHaveLength(1);
    engine.finish(engine.added[0]!.id);
    await waitFor(() => engine.added.length === 2, 'second queue');
    expect(engine.added[1]!.bytes.toString()).toBe('two!');
  });

  it('turns an event burst past the aggregator caps into folder rescans and still uploads every file exactly once', async () => {
    // Folders exist before the start so that each file is its own event, not part of a new-folder walk.
    for (const d of ['b1', 'b2', 'b3']) await mkdir(join(root, d));
    await start({ maxPerDir: 4, maxPaths: 12 });
    for (const d of ['b1', 'b2', 'b3']) {
      for (let i = 0; i < 15; i++) await writeFile(join(root, d, `f${i}.dat`), `${d}-${i}`);
    }
    await waitFor(() => done() === 45, 'all 45 uploads');
    expect(events.some((e) => e.type === 'scanned' && e.dir !== '')).toBe(true);
    await sleep(600);
    const paths = engine.remotePaths();
    expect(paths).toHaveLength(45);
    expect(new Set(paths).size).toBe(45);
  });

  it('reports a failed upload, keeps it out of the index, and uploads it again on the next start', async () => {
    engine = new FakeEngine();
    await writeFile(join(root, 'x.txt'), 'x');
    await start();
    await waitFor(() => engine.added.length === 1, 'queued');
    engine.fail(engine.added[0]!.id, 'The server refused x.txt: quota exceeded');
    await waitFor(() => events.some((e) => e.type === 'failed'), 'failure reported');
    expect(events.find((e) => e.type === 'failed')).toEqual({ type: 'failed', path: 'x.txt', error: { code: 'rejected', message: 'The server refused x.txt: quota exceeded' } });
    await folder!.stop();
    await start();
    await waitFor(() => engine.added.length === 2, 'queued again');
    expect(engine.added[1]!.item.remotePath).toBe('/Footage/x.txt');
  });

  it('starts with a corrupt index: logs, quarantines, and re-uploads rather than crashing', async () => {
    await writeFile(join(root, 'a.txt'), 'a');
    await start();
    await waitFor(() => done() === 1, 'upload');
    await folder!.stop();
    await writeFile(join(state, 'index.log'), 'garbage\n');
    const logs: string[] = [];
    folder = new SyncFolder(
      { id: 'f1', root, targetId: 't1', remoteDir: '/Footage', stateDir: state, stability: { windowMs: 300 }, aggregator: { quietMs: 50 } },
      { engine, watcher: makeWatcher(), onEvent: (e) => events.push(e), log: (l) => logs.push(l) },
    );
    await folder.start();
    await waitFor(() => done() === 2, 're-upload');
    expect(logs.join('\n')).toMatch(/index\.log is damaged/);
    expect(engine.remotePaths()).toEqual(['/Footage/a.txt', '/Footage/a.txt']);
  });

  it('adopts a transfer still running in the engine from a previous start instead of queueing the file twice', async () => {
    engine = new FakeEngine();
    await writeFile(join(root, 'big.mov'), 'pretend this is big');
    await start();
    await waitFor(() => engine.added.length === 1, 'queued');
    await folder!.stop();
    events = [];
    await start();
    await sleep(800);
    expect(engine.added).toHaveLength(1);
    engine.finish(engine.added[0]!.id);
    await waitFor(() => done() === 1, 'done');
    await folder!.stop();
    events = [];
    await start();
    await sleep(800);
    expect(engine.added).toHaveLength(1);
  });
});
