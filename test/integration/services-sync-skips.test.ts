// Issue 11, item 1 ("never silently"), in the shells: folder sync inside the desktop app and
// `ferry host` (startServices) reports each file it leaves out in Ferry's log, with the reason.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostInfo } from '../../app/host/start-host.js';
import { hostPathPolicy } from '../../app/runtime/host-paths.js';
import { startServices, type Services } from '../../app/runtime/start-services.js';

describe('folder sync in the shells', () => {
  let dir: string;
  let services: Services | undefined;
  beforeEach(async () => { dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'ferry-svc-'))); });
  afterEach(async () => {
    await services?.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('logs every skipped file of a watched folder with its reason', async () => {
    const home = join(dir, 'ferry');
    const watched = join(dir, 'Docs');
    await fsp.mkdir(join(watched, '.ssh'), { recursive: true });
    await fsp.writeFile(join(watched, '.ssh', 'id_rsa'), 'key');
    await fsp.writeFile(join(watched, '.netrc'), 'machine x password y');
    await fsp.writeFile(join(watched, 'a.txt'), 'fine');
    services = await startServices({
      home, sandbox: false, info: hostInfo('0'), settings: { autoResume: false },
      paths: () => hostPathPolicy({ allowRoots: [dir], ferryHome: home, staging: join(home, 'staging'), home: join(dir, 'user-home') }),
    });
    const t = await services.service.dispatch('targets:add', { name: 'n', provider: 'tus', url: 'http://127.0.0.1:9/files/', token: 'tok', options: {}, conflict: 'rename', remoteRoot: '/' });
    const added = await services.service.dispatch('folders:add', { localPath: watched, targetId: (t as { value: { id: string } }).value.id, remoteDir: '/Docs' });
    expect(added.ok).toBe(true);
    const log = async () => fsp.readFile(join(home, 'logs', 'ferry.log'), 'utf8').catch(() => '');
    await expect.poll(log, { timeout: 5_000 }).toMatch(/skipped \.netrc: .*never uploaded/);
    expect(await log()).toMatch(/skipped \.ssh\/: .*never uploaded/);
  });
});
