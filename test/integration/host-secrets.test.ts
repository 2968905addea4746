// Issue 11, item 1: files that must never leave the computer. The real `ferry host` (a child
// process with its own HOME and $FERRY_HOME under it) is asked, with `--allow-root ~`, to add
// ~/.config, ~/.ssh/id_rsa and the whole home folder: Ferry's own state and every credential
// file are refused or skipped with their reason, never queued and never silently dropped.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, freePort, startHostChild, type HostChild } from '../e2e/host-process.js';

interface AddAnswer { added: { localPath: string; remotePath: string }[]; skipped: { path: string; reason: string }[] }

describe('ferry host --allow-root ~ never uploads secrets', () => {
  let dir: string;
  let bundleDir: string;
  let home: string;
  let ferry: string;
  let host: HostChild;
  let targetId: string;

  const call = async (channel: string, req: unknown) => {
    const res = await fetch(`${host.base}/api/call/${channel}`, {
      method: 'POST', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' }, body: JSON.stringify(req),
    });
    return (await res.json()) as { ok: boolean; value?: any; error?: { code: string; message: string } };
  };
  const put = async (rel: string, text = 'x') => {
    await fsp.mkdir(join(home, rel, '..'), { recursive: true });
    await fsp.writeFile(join(home, rel), text);
  };

  beforeAll(async () => {
    dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'ferry-secrets-')));
    home = join(dir, 'home');
    ferry = join(home, '.config', 'Ferry');
    await put('.ssh/id_rsa', '-----BEGIN OPENSSH PRIVATE KEY-----');
    await put('.netrc', 'machine example.com password hunter2');
    await put('.git-credentials', 'https://u:p@example.com');
    await put('.aws/credentials', '[default]');
    await put('.docker/config.json', '{}');
    await put('.config/app/settings.txt', 'fine');
    await put('Videos/a.mov', 'movie');
    await put('backup/old-home/.ssh/id_ed25519', 'key');
    const web = join(dir, 'web');
    await fsp.mkdir(web);
    await fsp.writeFile(join(web, 'index.html'), '<!doctype html>');
    ({ bundle: bundleDir } = { bundle: '' });
    const b = await bundleCli();
    bundleDir = b.dir;
    host = await startHostChild({ bundle: b.bundle, home: ferry, web, port: await freePort(), args: ['--allow-root', home, '--no-sandbox'], env: { HOME: home } });
    const t = await call('targets:add', { name: 'Nowhere', provider: 'tus', url: 'http://127.0.0.1:9/files/', token: 't', options: {}, conflict: 'rename', remoteRoot: '/' });
    targetId = t.value.id;
    await call('transfers:pauseAll', null);
    // Ferry's own state now exists: host-token and targets.json; add a saved session too.
    await fsp.mkdir(join(ferry, 'transfers'), { recursive: true });
    await fsp.writeFile(join(ferry, 'transfers', 'x.json'), '{"session":"https://upload.example/s/secret"}');
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
    if (bundleDir) await fsp.rm(bundleDir, { recursive: true, force: true });
  });

  it('adding ~/.config queues nothing from $FERRY_HOME and reports each skipped file with its reason', async () => {
    await expect(fsp.stat(join(ferry, 'host-token'))).resolves.toBeTruthy();
    const r = await call('transfers:add', { targetId, paths: [join(home, '.config')] });
    expect(r.ok).toBe(true);
    const value = r.value as AddAnswer;
    expect(value.added.map((a) => a.localPath)).toEqual([join(home, '.config', 'app', 'settings.txt')]);
    // The folder is named once; nothing under it (host-token, targets.json, transfers/*.json) is read.
    expect(value.skipped).toEqual([{ path: `${ferry}/`, reason: expect.stringMatching(/Ferry's own state.*never uploaded/) }]);
  });

  it('refuses ~/.ssh/id_rsa named as a file, naming the path and the cause', async () => {
    const r = await call('transfers:add', { targetId, paths: [join(home, '.ssh', 'id_rsa')] });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-input', message: expect.stringContaining(`${join(home, '.ssh', 'id_rsa')}: `) } });
    expect(r.error!.message).toMatch(/never uploaded/);
  });

  it('adding the whole home folder skips every credential file, wherever it lies', async () => {
    const r = await call('transfers:add', { targetId, paths: [home] });
    expect(r.ok).toBe(true);
    const value = r.value as AddAnswer;
    expect(value.added.map((a) => a.localPath).sort()).toEqual([join(home, '.config', 'app', 'settings.txt'), join(home, 'Videos', 'a.mov')]);
    expect(value.skipped.map((s) => s.path.slice(home.length + 1)).sort()).toEqual(
      ['.aws/', '.config/Ferry/', '.docker/', '.git-credentials', '.netrc', '.ssh/', 'backup/old-home/.ssh/'],
    );
    expect(value.skipped.every((s) => /never uploaded/.test(s.reason))).toBe(true);
    await call('transfers:clearFinished', null);
  });
});
