import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParcelWatcher } from '../../app/node/watcher-parcel.js';
import { SyncManager } from '../../app/sync/sync-manager.js';
import { FakeEngine } from '../fakes/fake-engine.js';

describe('SyncManager', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-mgr-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('watches several folders, each with its own index under $FERRY_HOME/sync/<id>, and stops watching on unwatch', async () => {
    const engine = new FakeEngine({ finish: 'auto' });
    const events: string[] = [];
    const home = join(base, 'home');
    const mgr = new SyncManager({
      engine, home, watcher: new ParcelWatcher(), log: () => undefined,
      onEvent: (id, e) => { if (e.type === 'done') events.push(`${id}:${e.remotePath}`); },
      tuning: { stability: { windowMs: 200 }, aggregator: { quietMs: 50 } },
    });
    for (const n of ['one', 'two']) {
      await mkdir(join(base, n));
      await writeFile(join(base, n, 'f.txt'), n);
      await mgr.watch({ id: n, localPath: join(base, n), targetId: 't', remoteDir: `/${n}` });
    }
    const until = async (cond: () => boolean) => {
      const end = Date.now() + 10_000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out; events: ${events.join(', ')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await until(() => events.length === 2);
    expect(events.sort()).toEqual(['one:/one/f.txt', 'two:/two/f.txt']);
    expect((await readdir(join(home, 'sync'))).sort()).toEqual(['one', 'two']);

    await mgr.unwatch('one');
    expect(mgr.get('one')).toBeUndefined();
    await writeFile(join(base, 'one', 'after.txt'), 'not watched any more');
    await writeFile(join(base, 'two', 'after.txt'), 'still watched');
    await until(() => events.length === 3);
    await new Promise((r) => setTimeout(r, 500));
    expect(events).toContain('two:/two/after.txt');
    expect(events).toHaveLength(3);
    await mgr.close();
  });

  it('rejects a folder that does not exist, naming it, and keeps no half-started folder', async () => {
    const mgr = new SyncManager({ engine: new FakeEngine({ finish: 'auto' }), home: join(base, 'home'), watcher: new ParcelWatcher(), log: () => undefined });
    await expect(mgr.watch({ id: 'x', localPath: join(base, 'missing'), targetId: 't', remoteDir: '/x' })).rejects.toThrow(/missing.*does not exist/);
    expect(mgr.get('x')).toBeUndefined();
  });
});
