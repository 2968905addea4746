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

/** The saved port and token; a damaged file is set aside with a warning and the sandbox starts afresh. */
async function readSaved(home: string, file: string, warn: (m: string) => void): Promise<{ port: number; token: string } | undefined> {
  const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as { port?: unknown; token?: unknown };
    if (Number.isInteger(v.port) && typeof v.token === 'string' && v.token.length >= 16) return v as { port: number; token: string };
  } catch {
    // damaged: set aside below
  }
  const q = join(home, 'quarantine');
  await fsp.mkdir(q, { recursive: true, mode: 0o700 });
  const dest = join(q, `${Date.now()}-emulator.json`);
  await fsp.rename(file, dest);
  warn(`${file} is damaged: moved to ${dest}; the sandbox starts with a new address and token (unfinished sandbox uploads start over)`);
  return undefined;
}

export async function startSandbox(home: string, warn: (message: string) => void = () => undefined): Promise<Sandbox> {
  const dir = join(home, 'sandbox');
  // The emulator's folders too: they hold the user's uploads and live session tokens.
  await fsp.mkdir(join(dir, 'data'), { recursive: true, mode: 0o700 });
  const file = join(dir, 'emulator.json');
  const saved = await readSaved(home, file, warn);
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
