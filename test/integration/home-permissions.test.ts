// Issue 11, item 9: everything Ferry writes under $FERRY_HOME is owner-only from the first write
// (folders 0700, files 0600), whatever the umask: the log, the journal, the sync index, the
// staging area, settings, the sandbox's stored uploads. A fresh home, real components.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StagingArea } from '../../app/host/staging.js';
import { createRuntime } from '../../app/runtime/runtime.js';
import { JsonFolderStore } from '../../app/service/folder-store.js';
import { SyncIndex } from '../../app/sync/sync-index.js';

async function walk(dir: string, out: { path: string; mode: number; dir: boolean }[] = []): Promise<typeof out> {
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = await fsp.lstat(p);
    out.push({ path: p, mode: st.mode & 0o777, dir: e.isDirectory() });
    if (e.isDirectory()) await walk(p, out);
  }
  return out;
}

describe.skipIf(process.platform === 'win32')('$FERRY_HOME permissions', () => {
  let base: string;
  let oldMask: number;
  beforeAll(async () => {
    base = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-perm-'));
    oldMask = process.umask(0o022);
  });
  afterAll(async () => {
    process.umask(oldMask);
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('creates every folder 0700 and every file 0600, starting with the home itself', async () => {
    const home = join(base, 'fresh', 'home');
    const rt = await createRuntime({ home, sandbox: true, settings: { autoResume: false } });
    try {
      rt.log.warn('a line for the log file');
      const file = join(base, 'up.bin');
      await fsp.writeFile(file, randomBytes(1000));
      const [v] = await rt.engine.add({ targetId: 'sandbox', items: [{ localPath: file, remotePath: '/sandbox/up.bin' }] });
      expect((await rt.engine.settled(v!.id)).state.kind).toBe('done');
      const idx = await SyncIndex.open({ dir: join(home, 'sync', 'f1') });
      idx.put('a.txt', { size: 1, mtimeMs: 1, hash: 'ab', remote: '/a.txt' });
      await idx.close();
      const staging = new StagingArea(join(home, 'staging'));
      await staging.receive('b1', 'Clips/a.mov', Readable.from([Buffer.from('movie')]) as never);
      await new JsonFolderStore(join(home, 'folders.json')).put({ id: 'f1', localPath: base, targetId: 'sandbox', remoteDir: '/' });
    } finally {
      await rt.close();
    }
    expect((await fsp.stat(home)).mode & 0o777).toBe(0o700);
    const loose = (await walk(home)).filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${e.path.slice(home.length)} ${e.mode.toString(8)}`);
    expect(loose).toEqual([]);
  });
});
