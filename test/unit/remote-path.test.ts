// Issue 11, item 10: a remote path with a '.' or '..' segment is refused for every provider
// before any request: by the engine's add (the one door every upload passes) and, naming the
// request's field, by the command service (transfers:add, folders:add, targets:add).
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostInfo } from '../../app/host/start-host.js';
import { createRuntime, type Runtime } from '../../app/runtime/runtime.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { createFerryService } from '../../app/service/ferry-service.js';
import { JsonFolderStore } from '../../app/service/folder-store.js';
import { PROVIDER_IDS } from '../../app/common/transfer.js';

describe('remote paths with dot segments', () => {
  let dir: string;
  let rt: Runtime;
  let requests: number;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-dots-'));
    await fsp.writeFile(join(dir, 'a.bin'), 'x');
    requests = 0;
    // Every provider, pointed at a server that counts what reaches it.
    const server = (await import('node:http')).createServer((req, res) => { requests++; req.resume(); res.writeHead(500).end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
    rt = await createRuntime({
      home: join(dir, 'home'), settings: { autoResume: false },
      targets: new MemoryTargetStore(PROVIDER_IDS.map((p) => ({ id: p, name: p, provider: p, url, token: 't', options: { table: 'a.b.c', parentId: 'syn1' }, conflict: 'rename', remoteRoot: '/' }))),
    });
    const close = rt.close;
    rt.close = async () => { await close(); server.close(); };
  });
  afterEach(async () => {
    await rt.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('the engine refuses them for every provider, naming the path, and sends nothing', async () => {
    for (const p of PROVIDER_IDS) {
      for (const remotePath of ['/a/../b.bin', '/a/./b.bin', '/..', '/x/..']) {
        await expect(rt.engine.add({ targetId: p, items: [{ localPath: join(dir, 'a.bin'), remotePath }] }), `${p} ${remotePath}`)
          .rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining(`'${remotePath}'`) });
      }
    }
    expect(rt.engine.list()).toEqual([]);
    expect(requests).toBe(0);
  });

  it('the service names the field: transfers:add remoteDir, folders:add remoteDir, targets:add remoteRoot', async () => {
    const service = createFerryService({
      engine: rt.engine, targets: rt.targets, folders: new JsonFolderStore(join(dir, 'home', 'folders.json')), info: hostInfo('0'),
      paths: () => ({ allowed: [dir], denied: [] }),
    });
    const add = await service.dispatch('transfers:add', { targetId: 'tus', paths: [join(dir, 'a.bin')], remoteDir: '/in/../out' });
    expect(add).toMatchObject({ ok: false, error: { code: 'bad-input', message: expect.stringContaining("remote folder '/in/../out' has a '..' segment") } });
    const folder = await service.dispatch('folders:add', { localPath: dir, targetId: 'tus', remoteDir: '/./x' });
    expect(folder).toMatchObject({ ok: false, error: { code: 'bad-input', message: expect.stringContaining("remote folder '/./x'") } });
    const target = await service.dispatch('targets:add', { name: 'n', provider: 'tus', url: 'https://tus.example/files/', token: 't', options: {}, conflict: 'rename', remoteRoot: '/../etc' });
    expect(target).toMatchObject({ ok: false, error: { code: 'bad-input', message: expect.stringContaining("remote root '/../etc'") } });
    expect(requests).toBe(0);
  });

  it('item 11: targets:add refuses an endpoint that is not http(s)', async () => {
    const service = createFerryService({
      engine: rt.engine, targets: rt.targets, folders: new JsonFolderStore(join(dir, 'home', 'folders.json')), info: hostInfo('0'),
      paths: () => ({ allowed: [dir], denied: [] }),
    });
    for (const url of ['ftp://host/x', 'file:///etc/passwd']) {
      const r = await service.dispatch('targets:add', { name: 'n', provider: 'tus', url, token: 't', options: {}, conflict: 'rename', remoteRoot: '/' });
      expect(r, url).toMatchObject({ ok: false, error: { code: 'bad-input', message: 'targets:add: request.url must be an http(s) URL' } });
    }
  });
});
