// Issue 11, item 7: a damaged targets.json or folders.json loses nothing. It is moved to
// $FERRY_HOME/quarantine with a warning, the previous good copy (.bak, written before each save)
// is used, and the next save keeps every account instead of overwriting them with an empty list.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../app/engine/engine-api.js';
import { FileTargetStore } from '../../app/runtime/target-stores.js';
import { JsonFolderStore } from '../../app/service/folder-store.js';
import { createRuntime } from '../../app/runtime/runtime.js';
import Conf from 'conf';
import { setAsideDamagedSettings, settingsStoreOptions } from '../../main/settings-file.js';

const target = (id: string): TargetConfig => ({ id, name: id, provider: 'tus', url: 'https://tus.example/files/', token: `tok-${id}`, options: {}, conflict: 'rename', remoteRoot: '/' });

describe('damaged settings files', () => {
  let home: string;
  let warnings: string[];
  beforeEach(async () => {
    home = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-damaged-'));
    warnings = [];
  });
  afterEach(async () => { await fsp.rm(home, { recursive: true, force: true }); });

  const quarantined = async () => (await fsp.readdir(join(home, 'quarantine')).catch(() => [] as string[]));

  it('targets.json truncated: quarantined with a warning, the last good copy used, nothing lost at the next save', async () => {
    const a = new FileTargetStore(home);
    await a.put(target('one'));
    await a.put(target('two'));
    await a.put(target('three'));
    const file = join(home, 'targets.json');
    const text = await fsp.readFile(file, 'utf8');
    await fsp.writeFile(file, text.slice(0, text.length / 2));

    const b = new FileTargetStore(home, (m) => warnings.push(m));
    const ids = (await b.list()).map((t) => t.id);
    // The .bak was written before the last save: it holds at least the accounts saved before it.
    expect(ids).toEqual(expect.arrayContaining(['one', 'two']));
    expect(warnings.join('\n')).toMatch(/targets\.json.*damaged.*quarantine.*backup/s);
    const q = await quarantined();
    expect(q).toHaveLength(1);
    expect(await fsp.readFile(join(home, 'quarantine', q[0]!), 'utf8')).toBe(text.slice(0, text.length / 2));

    await b.put(target('four'));
    const saved = JSON.parse(await fsp.readFile(file, 'utf8')) as TargetConfig[];
    expect(saved.map((t) => t.id)).toEqual(expect.arrayContaining(['one', 'two', 'four']));
  });

  it('targets.json damaged with no backup: quarantined and a warning, never silently empty', async () => {
    await fsp.writeFile(join(home, 'targets.json'), '[{"id":"x", "tok');
    const b = new FileTargetStore(home, (m) => warnings.push(m));
    expect(await b.list()).toEqual([]);
    expect(warnings.join('\n')).toMatch(/targets\.json.*damaged/);
    expect(await quarantined()).toHaveLength(1);
  });

  it('folders.json truncated: quarantined, the backup used', async () => {
    const path = join(home, 'folders.json');
    const a = new JsonFolderStore(path);
    await a.put({ id: 'f1', localPath: '/a', targetId: 't', remoteDir: '/' });
    await a.put({ id: 'f2', localPath: '/b', targetId: 't', remoteDir: '/' });
    await fsp.writeFile(path, '[{"id":"f1",');
    const b = new JsonFolderStore(path, { quarantineDir: join(home, 'quarantine'), warn: (m) => warnings.push(m) });
    expect((await b.list()).map((f) => f.id)).toEqual(['f1']);
    expect(warnings.join('\n')).toMatch(/folders\.json.*damaged/);
    expect(await quarantined()).toHaveLength(1);
  });
});

describe('item 8: damaged files that used to stop Ferry from starting', () => {
  let home: string;
  beforeEach(async () => { home = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-damaged8-')); });
  afterEach(async () => { await fsp.rm(home, { recursive: true, force: true }); });

  it('a damaged sandbox/emulator.json: the runtime (and so `ferry host`) starts with a new sandbox, warns, sets the file aside', async () => {
    await fsp.mkdir(join(home, 'sandbox'), { recursive: true });
    await fsp.writeFile(join(home, 'sandbox', 'emulator.json'), '{"port": 4');
    const warnings: string[] = [];
    const rt = await createRuntime({ home, sandbox: true, echo: (_l, m) => warnings.push(m) });
    try {
      expect(rt.sandboxTarget?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
      expect(warnings.join('\n')).toMatch(/emulator\.json.*damaged/);
      expect(await fsp.readdir(join(home, 'quarantine'))).toHaveLength(1);
      const saved = JSON.parse(await fsp.readFile(join(home, 'sandbox', 'emulator.json'), 'utf8')) as { port: number; token: string };
      expect(saved.token).toBe(rt.sandboxTarget!.token);
    } finally {
      await rt.close();
    }
  });

  it('a damaged desktop settings.json (electron-store): set aside with a warning, defaults used, saved owner-only', async () => {
    const file = join(home, 'settings.json');
    await fsp.writeFile(file, '{"targets": {"a": ');
    const warnings: string[] = [];
    setAsideDamagedSettings(file, join(home, 'quarantine'), (m) => warnings.push(m));
    // electron-store is conf with Electron's paths; the options are the ones main.ts passes.
    const o = settingsStoreOptions(home);
    const store = new Conf<Record<string, unknown>>({ ...o, configName: o.name, projectName: 'ferry-test' });
    expect(store.get('targets')).toBeUndefined();
    store.set('targets', { b: 1 });
    expect(warnings.join('\n')).toMatch(/settings\.json.*damaged.*quarantine/);
    expect(await fsp.readdir(join(home, 'quarantine'))).toHaveLength(1);
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);
  });
});
