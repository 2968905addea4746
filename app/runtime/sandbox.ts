// The built-in sandbox target: a UCloud emulator started in-process, storing under
// $FERRY_HOME/sandbox, so a new user sees an upload work before adding an account. Its port and
// token are kept in sandbox/emulator.json: session URLs in the journal name that port, so an
// upload interrupted by a quit resumes against the same address after a restart.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { TargetConfig } from '../engine/engine-api.js';
import type { RunningEmulator } from '../emulators/kit/emulator-host.js';
// The UCloud emulator alone, not the emulator registry: the desktop bundle carries only this one.
import { startUcloudEmulator } from '../emulators/ucloud/emulator.js';
import { writeFileAtomic } from '../node/atomic-file.js';

export const SANDBOX_TARGET_ID = 'sandbox';

export interface Sandbox {
  target: TargetConfig;
  emulator: RunningEmulator;
}

export async function startSandbox(home: string): Promise<Sandbox> {
  const dir = join(home, 'sandbox');
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'emulator.json');
  const saved = await fsp.readFile(file, 'utf8').then((t) => JSON.parse(t) as { port: number; token: string }, () => undefined);
  const token = saved?.token ?? `sbx_${randomBytes(16).toString('hex')}`;
  const start = (port: number) => startUcloudEmulator({ port, token, dataDir: join(dir, 'data'), host: '127.0.0.1', protocol: 'CHUNKED' });
  // The saved port may have been taken by another program meanwhile: then any free port.
  const emulator = await start(saved?.port ?? 0).catch(() => start(0));
  const port = Number(new URL(emulator.url).port);
  if (port !== saved?.port || token !== saved?.token) await writeFileAtomic(file, JSON.stringify({ port, token }));
  const ep = { url: emulator.url, options: { drive: '1' } };
  return {
    emulator,
    target: {
      id: SANDBOX_TARGET_ID, name: 'Sandbox (on this computer)', provider: 'ucloud', url: ep.url, token, options: ep.options,
      conflict: 'rename', remoteRoot: '/sandbox', sandbox: true,
    },
  };
}
