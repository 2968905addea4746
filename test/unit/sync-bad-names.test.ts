// Issue 11, item 12: a file whose name is not valid UTF-8 cannot be opened by the name Node
// gives it; the folder scan reports it as skipped with that reason instead of dropping it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandPaths } from '../../app/service/expand-paths.js';
import { scanTree } from '../../app/sync/tree-scan.js';
import { ParcelWatcher } from '../../app/node/watcher-parcel.js';
import type { SyncEvent } from '../../app/sync/sync-events.js';
import { SyncFolder } from '../../app/sync/sync-folder.js';
import { FakeEngine as RecordingEngine } from '../fakes/fake-engine.js';

describe.skipIf(process.platform !== 'linux')('scan of a name that is not valid UTF-8', () => {
  let root: string;
  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'ferry-names-')); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  it('is reported as skipped with the reason, next to the files that sync', async () => {
    await writeFile(Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'latin-1 name');
    await writeFile(join(root, 'ok.txt'), 'fine');
    const files: string[] = [];
    const skipped: [string, string][] = [];
    await scanTree(root, '', { file: (rel) => files.push(rel), error: () => undefined, skipped: (rel, why) => skipped.push([rel, why]) });
    expect(files).toEqual(['ok.txt']);
    expect(skipped).toEqual([['caf\ufffd.txt', expect.stringMatching(/not valid UTF-8/)]]);
  });

  it('adding the folder (transfers:add) queues the rest and names the file it left out', async () => {
    await writeFile(Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'latin-1 name');
    await writeFile(join(root, 'ok.txt'), 'fine');
    const r = await expandPaths([root], '/in', { allowed: [root], denied: [] });
    expect(r.items.map((i) => i.localPath)).toEqual([join(root, 'ok.txt')]);
    expect(r.skipped).toEqual([{ path: join(root, 'caf\ufffd.txt'), reason: expect.stringMatching(/not valid UTF-8/) }]);
  });
});

// Parcel reports such a name; chokidar drops the event itself (its own stat fails), so with chokidar
// the name is reported by the next rescan instead.
describe.skipIf(process.platform !== 'linux')('a watched folder (parcel) that receives a name that is not valid UTF-8', () => {
  it('reports it as skipped with the reason while watching', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ferry-names-watch-'));
    const events: SyncEvent[] = [];
    const folder = new SyncFolder(
      { id: 'f1', root, targetId: 't1', remoteDir: '/x', stateDir: join(root, '..', `${root.split('/').pop()}-state`), stability: { windowMs: 200 }, aggregator: { quietMs: 50 } },
      { engine: new RecordingEngine(), watcher: new ParcelWatcher(), onEvent: (e) => events.push(e), log: () => undefined },
    );
    try {
      await folder.start();
      await writeFile(Buffer.concat([Buffer.from(`${root}/new`), Buffer.from([0xff]), Buffer.from('.txt')]), 'x');
      await expect.poll(() => events.some((e) => e.type === 'skipped' && /not valid UTF-8/.test(e.reason)), { timeout: 5_000 }).toBe(true);
    } finally {
      await folder.stop();
      await rm(root, { recursive: true, force: true });
      await rm(join(root, '..', `${root.split('/').pop()}-state`), { recursive: true, force: true });
    }
  });
});
