// A bandwidth limit and "files at once" chosen in the window (or through the host's settings:set)
// are still there after the desktop app or `ferry host` restarts: both run startServices on the
// same $FERRY_HOME, so these tests start it, stop it and start it again on one temp folder.
// A damaged or hand-edited settings file is reported by name with its cause and never stops the
// start nor costs the other state (targets).
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBwLimit } from '../../app/common/bwlimit-schedule.js';
import { hostInfo } from '../../app/host/start-host.js';
import { hostPathPolicy } from '../../app/runtime/host-paths.js';
import { startServices, type Services, type ServicesConfig } from '../../app/runtime/start-services.js';

const FILE = 'transfer-settings.json';

describe('settings kept across restarts', () => {
  let dir: string;
  let home: string;
  let services: Services | undefined;
  let warnings: string[];
  beforeEach(async () => {
    dir = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'ferry-keep-')));
    home = join(dir, 'ferry');
    warnings = [];
  });
  afterEach(async () => {
    await services?.close();
    services = undefined;
    await fsp.rm(dir, { recursive: true, force: true });
  });

  const start = async (extra: Partial<ServicesConfig> = {}): Promise<Services> => {
    await services?.close();
    services = await startServices({
      home, sandbox: false, info: hostInfo('0'), settings: { autoResume: false },
      paths: () => hostPathPolicy({ allowRoots: [dir], ferryHome: home, staging: join(home, 'staging'), home: join(dir, 'user-home') }),
      echo: (level, msg) => { if (level === 'warn') warnings.push(msg); },
      ...extra,
    });
    return services;
  };
  const call = async (s: Services, channel: string, payload: unknown): Promise<unknown> => {
    const r = await s.service.dispatch(channel, payload);
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
    return r.value;
  };
  const get = async (s: Services) => call(s, 'settings:get', null) as Promise<{ bwlimit: { spec: string }; filesAtOnce: number }>;

  it('a limit and files at once set through settings:set are in force after a restart', async () => {
    const first = await start();
    await call(first, 'settings:set', { bwlimit: '08:00,512k 19:00,off', filesAtOnce: 3 });
    const second = await start();
    expect(await get(second)).toMatchObject({ bwlimit: { spec: '08:00,512k 19:00,off' }, filesAtOnce: 3 });
    // Changing one keeps the other.
    await call(second, 'settings:set', { filesAtOnce: 5 });
    const third = await start();
    expect(await get(third)).toMatchObject({ bwlimit: { spec: '08:00,512k 19:00,off' }, filesAtOnce: 5 });
    expect(warnings).toEqual([]);
  });

  it('a limit given for this run only (the shell\'s own settings) wins for the run and is not saved', async () => {
    const first = await start();
    await call(first, 'settings:set', { bwlimit: '4M' });
    const overridden = await start({ settings: { autoResume: false, bwlimit: parseBwLimit('1M') } });
    expect((await get(overridden)).bwlimit.spec).toBe('1M');
    await call(overridden, 'settings:set', { filesAtOnce: 2 });
    const again = await start();
    expect(await get(again)).toMatchObject({ bwlimit: { spec: '4M' }, filesAtOnce: 2 });
  });

  it('a damaged settings file: a warning naming it and the cause, defaults, the targets kept, quarantined', async () => {
    const first = await start();
    await call(first, 'targets:add', { name: 'kept', provider: 'tus', url: 'http://127.0.0.1:9/files/', token: 'tok', options: {}, conflict: 'rename', remoteRoot: '/' });
    await call(first, 'settings:set', { bwlimit: '2M' });
    await services?.close();
    services = undefined;
    const path = join(home, FILE);
    // Truncated mid-write by another tool, and no backup to fall back to.
    await fsp.rm(`${path}.bak`, { force: true });
    await fsp.writeFile(path, '{"bwlimit": "2M", "filesAt');
    const s = await start();
    expect(await get(s)).toMatchObject({ bwlimit: { spec: 'off' }, filesAtOnce: 1 });
    const w = warnings.join('\n');
    expect(w).toContain(path);
    expect(w).toMatch(/damaged \(not a readable JSON object: .*JSON.*\).*default/);
    expect(((await call(s, 'targets:list', null)) as { name: string }[]).map((t) => t.name)).toEqual(['kept']);
    const q = await fsp.readdir(join(home, 'quarantine'));
    expect(q.filter((n) => n.endsWith(FILE))).toHaveLength(1);
    // The next choice is saved again.
    await call(s, 'settings:set', { filesAtOnce: 4 });
    expect(await get(await start())).toMatchObject({ filesAtOnce: 4 });
  });

  it('a damaged settings file with a backup: the previous save is used', async () => {
    const first = await start();
    await call(first, 'settings:set', { bwlimit: '3M' });
    await call(first, 'settings:set', { filesAtOnce: 2 });
    await services?.close();
    services = undefined;
    await fsp.writeFile(join(home, FILE), '\0\0\0\0');
    const s = await start();
    // The backup is the file as it was before the last save.
    expect(await get(s)).toMatchObject({ bwlimit: { spec: '3M' }, filesAtOnce: 1 });
    expect(warnings.join('\n')).toMatch(/transfer-settings\.json is damaged.*backup/);
  });

  it('hand-edited bad values are reported by name with the parser\'s cause; the good ones still apply', async () => {
    await fsp.mkdir(home, { recursive: true });
    await fsp.writeFile(join(home, FILE), JSON.stringify({ bwlimit: '4Q', filesAtOnce: 3 }));
    const s = await start();
    expect(await get(s)).toMatchObject({ bwlimit: { spec: 'off' }, filesAtOnce: 3 });
    expect(warnings.join('\n')).toMatch(/transfer-settings\.json: bwlimit "4Q" is not used: .*"4Q" is not a size/);
    await services?.close();
    services = undefined;
    warnings = [];
    await fsp.writeFile(join(home, FILE), JSON.stringify({ bwlimit: '08:00,1M', filesAtOnce: 99 }));
    const t = await start();
    expect(await get(t)).toMatchObject({ bwlimit: { spec: '08:00,1M' }, filesAtOnce: 1 });
    expect(warnings.join('\n')).toMatch(/transfer-settings\.json: filesAtOnce 99 is not used: .*1 to 16/);
    await fsp.writeFile(join(home, FILE), JSON.stringify(['not', 'an', 'object']));
    warnings = [];
    const u = await start();
    expect(await get(u)).toMatchObject({ bwlimit: { spec: 'off' }, filesAtOnce: 1 });
    expect(warnings.join('\n')).toMatch(/transfer-settings\.json is damaged/);
  });

  it('a settings file that cannot be read (a folder by that name): a warning, defaults, the start goes on', async () => {
    await fsp.mkdir(join(home, FILE), { recursive: true });
    const s = await start();
    expect(await get(s)).toMatchObject({ bwlimit: { spec: 'off' }, filesAtOnce: 1 });
    expect(warnings.join('\n')).toMatch(/transfer-settings\.json cannot be read \(.*EISDIR.*\); the defaults are used/);
  });
});
