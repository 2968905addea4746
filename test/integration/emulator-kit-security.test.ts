// Issue 11, item 5 (and the kit's DoS rules): every emulator's `/_emulator/*` debugging routes
// answer only with the emulator's token and a loopback Host header, so a web page that rebinds
// its DNS name to 127.0.0.1 cannot list the user's sandbox uploads.
import { promises as fsp } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { EMULATORS, emulatorOrigin } from '../../app/emulators/registry.js';

function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers, agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
  });
}

describe.each(Object.keys(EMULATORS))('%s emulator: /_emulator routes', (id) => {
  let dir: string;
  let emu: RunningEmulator;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), `ferry-emu-${id}-`));
    emu = await EMULATORS[id as keyof typeof EMULATORS].emulate({ dataDir: dir });
  });
  afterAll(async () => {
    await emu.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('need the token and a loopback Host (no DNS rebinding)', async () => {
    const origin = emulatorOrigin(emu);
    const port = new URL(origin).port;
    const bearer = { authorization: `Bearer ${emu.token}` };
    for (const route of ['/_emulator/files', '/_emulator/stats']) {
      expect(await get(`${origin}${route}`, {}), `${route} without a token`).toBe(401);
      expect(await get(`${origin}${route}`, { authorization: 'Bearer wrong' }), `${route} wrong token`).toBe(401);
      expect(await get(`${origin}${route}`, { ...bearer, host: `rebound.example:${port}` }), `${route} rebound Host`).toBe(421);
      expect(await get(`${origin}${route}`, bearer), `${route} with the token`).toBe(200);
    }
  });
});
