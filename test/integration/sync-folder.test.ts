// Folder sync end to end: real temp dirs, the real engine (createRuntime) and a real emulator
// (UCloud, which keeps a folder tree), checked through `/_emulator/stats` and `/_emulator/files`.
// Every wait is bounded; timeouts guard hangs and never measure speed.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../app/engine/engine-api.js';
import { createRuntime, type Runtime } from '../../app/runtime/runtime.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { ParcelWatcher } from '../../app/node/watcher-parcel.js';
import { emulatorEntry } from '../../app/emulators/registry.js';
import { emulatorAdminHeaders, type RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorFile, EmulatorStats } from '../../app/emulators/kit/emulator-types.js';
import type { SyncEvent } from '../../app/sync/sync-events.js';
import { SyncFolder } from '../../app/sync/sync-folder.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('folder sync with the real engine and the UCloud emulator', () => {
  let base: string;
  let root: string;
  let home: string;
  let emu: RunningEmulator;
  let runtime: Runtime | undefined;
  let folder: SyncFolder | undefined;
  let events: SyncEvent[];
  let target: TargetConfig;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-sync-it-'));
    root = join(base, 'Footage');
    home = join(base, 'home');
    await mkdir(root);
    await mkdir(join(base, 'emu'));
    emu = await emulatorEntry('ucloud').emulate({ dataDir: join(base, 'emu') });
    target = { id: 'ucloud-it', name: 'emu', provider: 'ucloud', url: emu.url, token: emu.token, options: {}, conflict: 'replace', remoteRoot: '/' };
    events = [];
  });
  afterEach(async () => {
    await folder?.stop();
    await runtime?.close();
    folder = undefined;
    runtime = undefined;
    await emu.close();
    await rm(base, { recursive: true, force: true });
  });

  const start = async (windowMs = 500): Promise<void> => {
    runtime = await createRuntime({ home, targets: new MemoryTargetStore([target]), settings: { autoResume: false, maxConcurrent: 2 } });
    folder = new SyncFolder(
      { id: 'it', root, targetId: target.id, remoteDir: '/1/Footage', stateDir: join(home, 'sync', 'it'), stability: { windowMs, maxWaitMs: 60_000 }, aggregator: { quietMs: 100 } },
      { engine: runtime.engine, watcher: new ParcelWatcher(), onEvent: (e) => events.push(e), log: () => undefined },
    );
    await folder.start();
  };
  const stop = async (): Promise<void> => {
    await folder?.stop();
    await runtime?.close();
    folder = undefined;
    runtime = undefined;
  };
  const stats = async (): Promise<EmulatorStats> => (await fetch(`${emu.url}/_emulator/stats`, { headers: emulatorAdminHeaders(emu) })).json() as Promise<EmulatorStats>;
  const files = async (): Promise<EmulatorFile[]> => (await (await fetch(`${emu.url}/_emulator/files`, { headers: emulatorAdminHeaders(emu) })).json() as EmulatorFile[]).sort((a, b) => a.path.localeCompare(b.path));
  const done = (): number => events.filter((e) => e.type === 'done').length;
  const failures = (): SyncEvent[] => events.filter((e) => e.type === 'failed');

  it('uploads a file appended to every 200 ms for 5 s once, after the writes stop, byte-identical', async () => {
    await start(1000);
    const p = join(root, 'growing.log');
    await writeFile(p, '');
    for (let i = 0; i < 25; i++) {
      await appendFile(p, `sample ${i} ${'x'.repeat(1000)}\n`);
      await sleep(200);
    }
    await waitFor('the upload', () => done() === 1);
    await sleep(1500);
    expect(failures()).toEqual([]);
    expect((await stats()).sessionsCreated).toBe(1);
    const local = await readFile(p);
    expect(await files()).toEqual([{ path: '/1/Footage/growing.log', size: local.length, sha256: sha(local) }]);
  }, 60_000);

  it('uploads an atomic save (temp file renamed over the original) as one new upload of the new content', async () => {
    await writeFile(join(root, 'edit.txt'), 'draft 1');
    await start();
    await waitFor('first upload', () => done() === 1);
    const before = (await stats()).sessionsCreated;
    await writeFile(join(root, 'edit.txt.sb-1234-tmp'), 'draft 2, saved atomically');
    await rename(join(root, 'edit.txt.sb-1234-tmp'), join(root, 'edit.txt'));
    await waitFor('second upload', () => done() === 2);
    await sleep(1000);
    expect((await stats()).sessionsCreated - before).toBe(1);
    expect(await files()).toEqual([{ path: '/1/Footage/edit.txt', size: 25, sha256: sha('draft 2, saved atomically') }]);
  });

  it('uploads a renamed folder under its new name, creating the remote subfolders, and deletes nothing', async () => {
    await mkdir(join(root, 'day1', 'cam-a'), { recursive: true });
    await writeFile(join(root, 'day1', 'cam-a', 'clip1.mov'), 'clip one');
    await writeFile(join(root, 'day1', 'notes.txt'), 'notes');
    await start();
    await waitFor('first uploads', () => done() === 2);
    await rename(join(root, 'day1'), join(root, 'monday'));
    await waitFor('uploads under the new name', () => done() === 4);
    await sleep(1000);
    expect((await files()).map((f) => f.path)).toEqual([
      '/1/Footage/day1/cam-a/clip1.mov', '/1/Footage/day1/notes.txt', '/1/Footage/monday/cam-a/clip1.mov', '/1/Footage/monday/notes.txt',
    ]);
    expect((await stats()).sessionsCreated).toBe(4);
  });

  it('does not follow a symlink pointing outside the root', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'private.key'), 'secret');
    await symlink(outside, join(root, 'shortcut'));
    await symlink(join(outside, 'private.key'), join(root, 'key-link'));
    await writeFile(join(root, 'real.txt'), 'real');
    await start();
    await waitFor('upload', () => done() === 1);
    await writeFile(join(outside, 'written-later.txt'), 'later');
    await sleep(1500);
    expect((await files()).map((f) => f.path)).toEqual(['/1/Footage/real.txt']);
    expect(events).toContainEqual({ type: 'skipped', path: 'shortcut', reason: 'symbolic link (not followed)' });
  });

  it('after a restart with edits made while stopped, uploads exactly the changed and new files', async () => {
    for (const n of ['a', 'b', 'c', 'd']) await writeFile(join(root, `${n}.bin`), `content ${n}`);
    await mkdir(join(root, 'sub'));
    await writeFile(join(root, 'sub', 'e.bin'), 'content e');
    await start();
    await waitFor('first uploads', () => done() === 5);
    await stop();
    const s1 = await stats();
    expect(s1.sessionsCreated).toBe(5);

    // Restart with nothing changed: not one request.
    events = [];
    await start();
    await sleep(1500);
    const s2 = await stats();
    expect(s2.requests).toBe(s1.requests + 1);
    expect(s2.sessionsCreated).toBe(5);
    await stop();

    await writeFile(join(root, 'b.bin'), 'content b, edited while Ferry was off');
    await writeFile(join(root, 'sub', 'f.bin'), 'new while off');
    await rm(join(root, 'c.bin'));
    const touched = new Date(Date.now() - 30_000);
    await utimes(join(root, 'd.bin'), touched, touched);
    events = [];
    await start();
    await waitFor('uploads of the changes', () => done() === 2);
    await sleep(1000);
    expect((await stats()).sessionsCreated).toBe(7);
    expect(events.filter((e) => e.type === 'queued').map((e) => (e as { path: string }).path).sort()).toEqual(['b.bin', 'sub/f.bin']);
    const remote = await files();
    expect(remote.find((f) => f.path === '/1/Footage/b.bin')?.sha256).toBe(sha('content b, edited while Ferry was off'));
    // Local deletions are not propagated.
    expect(remote.some((f) => f.path === '/1/Footage/c.bin')).toBe(true);
  }, 60_000);
});
