// Issue 11, item 14: adding a folder where one file fails halfway (deleted between the walk and
// the queueing) must not answer an error while the first half sits in the queue: the answer
// says exactly what was added and what was left out, and why. The real engine.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../app/engine/engine-api.js';
import { hostInfo } from '../../app/host/start-host.js';
import { createRuntime, type Runtime } from '../../app/runtime/runtime.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { createFerryService } from '../../app/service/ferry-service.js';
import { JsonFolderStore } from '../../app/service/folder-store.js';

describe('transfers:add of a folder that fails halfway', () => {
  let dir: string;
  let rt: Runtime;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-partial-'));
    await fsp.mkdir(join(dir, 'F'));
    for (const n of ['a.bin', 'b.bin', 'c.bin']) await fsp.writeFile(join(dir, 'F', n), n);
    rt = await createRuntime({
      home: join(dir, 'home'), settings: { autoResume: false },
      targets: new MemoryTargetStore([{ id: 't', name: 't', provider: 'tus', url: 'http://127.0.0.1:9/files/', token: 'x', options: {}, conflict: 'rename', remoteRoot: '/' }]),
    });
    await rt.engine.pauseAll();
  });
  afterEach(async () => {
    await rt.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('answers what was added and what was not, and the queue holds exactly the added ones', async () => {
    // b.bin disappears after the folder walk, before the engine opens it.
    const engine: Engine = Object.create(rt.engine) as Engine;
    engine.add = async (req) => {
      await fsp.rm(join(dir, 'F', 'b.bin'), { force: true });
      return rt.engine.add(req);
    };
    const service = createFerryService({
      engine, targets: rt.targets, folders: new JsonFolderStore(join(dir, 'home', 'folders.json')), info: hostInfo('0'),
      paths: () => ({ allowed: [dir], denied: [] }),
    });
    const r = await service.dispatch('transfers:add', { targetId: 't', paths: [join(dir, 'F')] });
    expect(r.ok).toBe(true);
    const value = (r as { value: { added: { localPath: string }[]; skipped: { path: string; reason: string }[] } }).value;
    expect(value.added.map((v) => v.localPath)).toEqual([join(dir, 'F', 'a.bin'), join(dir, 'F', 'c.bin')]);
    expect(value.skipped).toEqual([{ path: join(dir, 'F', 'b.bin'), reason: expect.stringMatching(/does not exist/) }]);
    expect(rt.engine.list().map((v) => v.localPath).sort()).toEqual(value.added.map((v) => v.localPath));
  });
});
