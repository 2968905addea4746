// `ferry emulate <provider>`: a provider emulator on loopback. Prints one JSON line
// {"provider","url","token"} — `url` is what `ferry upload --endpoint` takes — then serves until
// SIGTERM or SIGINT. `--tls` (OneDrive) serves https with a self-signed certificate made at start:
// the Graph SDK sends its token only to https hosts. The line then carries `tls`: where the
// certificate was written, its SHA-256 fingerprint, and how to make Node clients trust exactly it.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ferryHome } from '../../runtime/ferry-home.js';
import { emulatorEntry } from '../../emulators/registry.js';
import { intOption, one, parseArgs } from '../args.js';
import { emulateAuth, parseDuration } from './emulate-auth.js';

const HELP = 'Usage: ferry emulate <provider> [--port N] [--data-dir DIR] [--discard] [--token T] [--host 127.0.0.1] [--tls (onedrive)]\n       [--token-ttl 2s]   also run an authorization server (box, onedrive) whose access tokens live this long\n';
/** Emulators that can serve https. */
const TLS_CAPABLE = new Set(['onedrive']);

export async function run(args: string[]): Promise<number> {
  let p;
  let port: number | undefined;
  try {
    p = parseArgs(args, { values: ['port', 'data-dir', 'token', 'host', 'idle-timeout-ms', 'token-ttl'], flags: ['discard', 'help', 'tls'] });
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
  const tls = p.flags.has('tls');
  if (tls && !TLS_CAPABLE.has(id)) {
    process.stderr.write(`ferry emulate: --tls is available for ${[...TLS_CAPABLE].join(', ')}, not ${id}\n`);
    return 2;
  }
  const discard = p.flags.has('discard');
  const dataDir = discard ? undefined : one(p, 'data-dir') ?? join(ferryHome(), 'emulators', id);
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
    ...(dataDir === undefined ? { discard: true } : { dataDir }),
    ...(one(p, 'token') ? { token: one(p, 'token')! } : {}),
    ...(idle ? { idleTimeoutMs: idle } : {}),
    // Only the emulators in TLS_CAPABLE read this option.
    ...(tls ? { tls: true } : {}),
    ...(auth ? { auth: auth.check } : {}),
  });
  const ep = entry.endpointFor(emu);
  const pem = (emu as { certificatePem?: string }).certificatePem;
  const trust = tls && pem ? certificateInfo(pem, dataDir) : undefined;
  process.stdout.write(JSON.stringify({ provider: id, url: ep.url, token: emu.token, ...(Object.keys(ep.options).length ? { options: ep.options } : {}), ...(trust ? { tls: trust } : {}), ...(auth ? auth.printed : {}) }) + '\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emu.close();
  await auth?.server.close();
  return 0;
}

/**
 * Writes the certificate where a client can read it: the data directory, or a fresh temporary
 * directory under --discard. A public certificate, not a secret; the key never leaves memory.
 */
function certificateInfo(pem: string, dataDir: string | undefined): { certificate: string; sha256: string; trust: string } {
  const folder = dataDir ?? mkdtempSync(join(tmpdir(), 'ferry-emulator-tls-'));
  mkdirSync(folder, { recursive: true });
  const certificate = join(folder, 'emulator-certificate.pem');
  writeFileSync(certificate, pem);
  return { certificate, sha256: new X509Certificate(pem).fingerprint256, trust: `NODE_EXTRA_CA_CERTS=${certificate}` };
}
