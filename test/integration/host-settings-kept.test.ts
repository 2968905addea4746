// The real `ferry host` as a child process: a limit and files at once set over its HTTP API
// (what the window in the browser calls) are in force after the host is stopped and started again
// on the same $FERRY_HOME, and a hand-edited bad value is said on its stderr without stopping it.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, freePort, hostSuite, startHostChild } from '../e2e/host-process.js';

describe('ferry host keeps the settings chosen in the window', () => {
  const suite = hostSuite('ferry-host-keep-');

  type Settings = { bwlimit: { spec: string }; filesAtOnce: number };
  const host = async (home: string) => startHostChild({ bundle: suite.bundle, home, web: suite.web, port: await freePort(), args: ['--no-sandbox'] });

  it('settings:set before a restart, settings:get after it', async () => {
    const home = join(suite.dir, 'kept');
    const first = await host(home);
    try {
      await api(first, 'settings:set', { bwlimit: 'Mon-08:00,1M Sat-00:00,off', filesAtOnce: 4 });
    } finally {
      await first.stop();
    }
    const second = await host(home);
    try {
      expect(await api<Settings>(second, 'settings:get', null)).toMatchObject({ bwlimit: { spec: 'Mon-08:00,1M Sat-00:00,off' }, filesAtOnce: 4 });
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('a bad hand-edited limit: the host starts, says which file and why, and runs without it', async () => {
    const home = join(suite.dir, 'bad');
    await fsp.mkdir(home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(join(home, 'transfer-settings.json'), JSON.stringify({ bwlimit: 'Mun-08:00,1M', filesAtOnce: 2 }));
    const h = await host(home);
    try {
      expect(await api<Settings>(h, 'settings:get', null)).toMatchObject({ bwlimit: { spec: 'off' }, filesAtOnce: 2 });
      expect(h.stderr()).toMatch(/transfer-settings\.json: bwlimit "Mun-08:00,1M" is not used: .*invalid weekday "Mun"/);
    } finally {
      await h.stop();
    }
  }, 60_000);
});
