// Issue 11, items 1 and 2: folder sync checks every file it finds against the never-upload list,
// at the start-up scan and for files that appear while watching, and reports each skip with its
// reason. Real temp dirs, the real chokidar watcher and a recording engine.
import { mkdir, mkdtemp, realpath, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretRoots } from '../../app/common/secret-paths.js';
import { ChokidarWatcher } from '../../app/node/watcher-chokidar.js';
import type { SyncEvent } from '../../app/sync/sync-events.js';
import { SyncFolder } from '../../app/sync/sync-folder.js';
import { SyncManager } from '../../app/sync/sync-manager.js';
import { FakeEngine as RecordingEngine } from '../fakes/fake-engine.js';

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('folder sync never uploads secrets', () => {
  let base: string;
  let home: string;
  let ferry: string;
  let engine: RecordingEngine;
  let folder: SyncFolder | undefined;
  let events: SyncEvent[];
  const old = new Date(Date.now() - 60_000);
  const put = async (rel: string) => {
    await mkdir(dirname(join(home, rel)), { recursive: true });
    await writeFile(join(home, rel), rel);
    await utimes(join(home, rel), old, old);
  };

  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'ferry-syncsec-')));
    home = join(base, 'home');
    ferry = join(home, '.config', 'Ferry');
    engine = new RecordingEngine();
    events = [];
  });
  afterEach(async () => {
    await folder?.stop();
    folder = undefined;
    await rm(base, { recursive: true, force: true });
  });

  it('skips $FERRY_HOME and credential folders at the scan and while watching, saying why', async () => {
    for (const f of ['a.txt', '.ssh/id_rsa', '.netrc', '.config/Ferry/host-token', '.config/Ferry/targets.json', 'old/.aws/credentials']) await put(f);
    folder = new SyncFolder(
      {
        id: 'f1', root: home, targetId: 't1', remoteDir: '/Home', stateDir: join(base, 'state'),
        denied: secretRoots({ platform: 'linux', home, ferryHome: ferry }), ferryHome: ferry,
        stability: { windowMs: 200 }, aggregator: { quietMs: 50 },
      },
      { engine, watcher: new ChokidarWatcher(), onEvent: (e) => events.push(e), log: () => undefined },
    );
    await folder.start();
    await waitFor('the scan upload', () => engine.added.length === 1);
    const skipped = () => events.filter((e): e is Extract<SyncEvent, { type: 'skipped' }> => e.type === 'skipped');
    expect(skipped().map((e) => e.path).sort()).toEqual(['.config/Ferry/', '.netrc', '.ssh/', 'old/.aws/']);
    expect(skipped().every((e) => /never uploaded/.test(e.reason))).toBe(true);

    // Written while watching: a new log line in Ferry's home and a new key.
    await writeFile(join(ferry, 'ferry.log'), 'log line');
    await writeFile(join(home, '.ssh', 'id_ed25519'), 'key');
    await writeFile(join(home, 'b.txt'), 'b');
    await waitFor('the watched upload', () => engine.added.length === 2, 10_000);
    await new Promise((r) => setTimeout(r, 600));
    expect(engine.added.map((a) => a.item.localPath).sort()).toEqual([join(home, 'a.txt'), join(home, 'b.txt')]);
  });
});

describe('watching a folder that contains $FERRY_HOME (item 2)', () => {
  it('never uploads Ferry\'s log, its sync index or the sandbox\'s stored files, so nothing loops', async () => {
    const base = await realpath(await mkdtemp(join(tmpdir(), 'ferry-syncloop-')));
    const home = join(base, 'ferry-home');
    await mkdir(join(home, 'sandbox', 'data'), { recursive: true });
    await writeFile(join(home, 'sandbox', 'data', 'uploaded.bin'), 'a sandbox upload');
    await writeFile(join(base, 'photo.jpg'), 'photo');
    const engine = new RecordingEngine();
    const events: SyncEvent[] = [];
    // The manager as startServices builds it, with no extra deny list: $FERRY_HOME is denied anyway.
    const sync = new SyncManager({
      engine, home, watcher: new ChokidarWatcher(), onEvent: (_id, e) => events.push(e), log: () => undefined,
      tuning: { stability: { windowMs: 200 }, aggregator: { quietMs: 50 } },
    });
    try {
      await sync.watch({ id: 'f1', localPath: base, targetId: 't1', remoteDir: '/All' });
      await waitFor('the photo', () => engine.added.length >= 1);
      // What Ferry itself writes after each upload: its log and the folder's index.
      for (let i = 0; i < 3; i++) {
        await writeFile(join(home, 'ferry.log'), `line ${i}\n`, { flag: 'a' });
        await writeFile(join(home, 'sandbox', 'data', `more-${i}.bin`), 'x');
        await new Promise((r) => setTimeout(r, 150));
      }
      await new Promise((r) => setTimeout(r, 800));
      expect(engine.added.map((a) => a.item.localPath)).toEqual([join(base, 'photo.jpg')]);
      expect(events).toContainEqual({ type: 'skipped', path: 'ferry-home/', reason: expect.stringContaining("Ferry's own state") });
    } finally {
      await sync.close();
      await rm(base, { recursive: true, force: true });
    }
  });
});
