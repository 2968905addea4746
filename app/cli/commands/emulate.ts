// `ferry emulate <provider>`: a provider emulator on loopback. Prints one JSON line
// {"provider","url","token"} — `url` is what `ferry upload --endpoint` takes — then serves until
// SIGTERM or SIGINT.
import { join } from 'node:path';
import { ferryHome } from '../../runtime/ferry-home.js';
import { emulatorEntry } from '../../emulators/registry.js';
import { intOption, one, parseArgs } from '../args.js';
import { emulateAuth, parseDuration } from './emulate-auth.js';

const HELP = 'Usage: ferry emulate <provider> [--port N] [--data-dir DIR] [--discard] [--token T] [--host 127.0.0.1]\n       [--token-ttl 2s]   also run an authorization server (box, onedrive) whose access tokens live this long\n';

export async function run(args: string[]): Promise<number> {
  let p;
  let port: number | undefined;
  try {
    p = parseArgs(args, { values: ['port', 'data-dir', 'token', 'host', 'idle-timeout-ms', 'token-ttl'], flags: ['discard', 'help'] });
    port = intOption(p, 'port');
    if (one(p, 'token-ttl') !== undefined) parseDuration(one(p, 'token-ttl')!);
  } catch (e) {
    process.stderr.write(`ferry emulate: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  const id = p.positional[0];
  if (!id) {
    process.stderr.write(`ferry emulate: which provider?\n${HELP}`);
    return 2;
  }
  let entry;
  try {
    entry = emulatorEntry(id);
  } catch (e) {
    process.stderr.write(`ferry emulate: ${(e as Error).message}\n`);
    return 2;
  }
  const host = one(p, 'host') ?? '127.0.0.1';
  if (!/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(host)) {
    process.stderr.write(`ferry emulate: refusing to listen on ${host}: emulators are for this computer only (loopback)\n`);
    return 2;
  }
  const discard = p.flags.has('discard');
  const idle = intOption(p, 'idle-timeout-ms');
  const ttl = one(p, 'token-ttl');
  let auth;
  try {
    auth = ttl === undefined ? undefined : await emulateAuth(id, parseDuration(ttl), host);
  } catch (e) {
    process.stderr.write(`ferry emulate: ${(e as Error).message}\n`);
    return 2;
  }
  const emu = await entry.emulate({
    port: port ?? 0,
    host,
    ...(discard ? { discard: true } : { dataDir: one(p, 'data-dir') ?? join(ferryHome(), 'emulators', id) }),
    ...(one(p, 'token') ? { token: one(p, 'token')! } : {}),
    ...(idle ? { idleTimeoutMs: idle } : {}),
    ...(auth ? { auth: auth.check } : {}),
  });
  const ep = entry.endpointFor(emu);
  process.stdout.write(JSON.stringify({ provider: id, url: ep.url, token: emu.token, ...(Object.keys(ep.options).length ? { options: ep.options } : {}), ...(auth ? auth.printed : {}) }) + '\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emu.close();
  await auth?.server.close();
  return 0;
}
