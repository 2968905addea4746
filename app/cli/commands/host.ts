// `ferry host`: the engine with the web UI on loopback, for servers, NAS boxes and browser tests.
// Prints one JSON line {"url","token"}; the url opens the UI already authorised.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StagingArea } from '../../host/staging.js';
import { hostInfo, startHost } from '../../host/start-host.js';
import { ferryHome } from '../../runtime/ferry-home.js';
import { hostPathPolicy } from '../../runtime/host-paths.js';
import { startServices } from '../../runtime/start-services.js';
import { intOption, one, parseArgs, UsageError } from '../args.js';

const HELP = `Usage: ferry host [--port N] [--bind ADDR --allow-remote] [--allow-root DIR]... [--chunk-size N] [--no-sandbox] [--pin-token [--new-token]]

  --port N          listen on this port (default: any free port)
  --bind ADDR       bind address (default 127.0.0.1); other than loopback needs --allow-remote
  --allow-root DIR  a folder on this machine whose files the UI may add by path (repeatable)
  --chunk-size N    bytes per chunk (clamped to each provider's rules; default: the provider's)
  --no-sandbox      do not start the built-in sandbox target
  --pin-token       keep the access token across restarts (default: a new one at every start)
  --new-token       with --pin-token: replace the pinned token (the old one stops working)
State lives in $FERRY_HOME. The token is written to $FERRY_HOME/host-token (owner-only) for
scripts (Authorization: Bearer <token>). The printed URL holds a single-use code, not the
token: the page trades it once for a session of its own, so a URL found later in the browser's
history opens nothing. Without --pin-token a restart ends every session: open the new URL.
`;

/** The renderer build: beside the CLI bundle (dist/cli → dist/renderer) or, from source, in dist/. */
function rendererDir(): string {
  const candidates = [
    process.env.FERRY_RENDERER_DIR,
    fileURLToPath(new URL('../renderer', import.meta.url)),
    fileURLToPath(new URL('../../../dist/renderer', import.meta.url)),
  ].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(join(p, 'index.html'))) ?? candidates[candidates.length - 1]!;
}

/** A new token at every start, unless pinned: a token copied from an old session stops working. */
async function hostToken(home: string, pinned: boolean, fresh: boolean): Promise<string> {
  const file = join(home, 'host-token');
  const saved = !pinned || fresh ? undefined : await fsp.readFile(file, 'utf8').then((t) => t.trim(), () => undefined);
  if (saved && saved.length >= 32) return saved;
  const token = randomBytes(24).toString('base64url');
  await fsp.mkdir(home, { recursive: true, mode: 0o700 });
  await fsp.rm(file, { force: true });
  await fsp.writeFile(file, token + '\n', { mode: 0o600, flag: 'wx' });
  return token;
}

export async function run(args: string[]): Promise<number> {
  let p;
  try {
    p = parseArgs(args, { values: ['port', 'bind', 'allow-root', 'chunk-size'], flags: ['allow-remote', 'no-sandbox', 'pin-token', 'new-token', 'help'] });
    if (p.flags.has('help')) {
      process.stdout.write(HELP);
      return 0;
    }
    if (p.positional.length > 0) throw new UsageError(`unexpected argument '${p.positional[0]}'`);
    if (p.flags.has('new-token') && !p.flags.has('pin-token')) throw new UsageError('--new-token replaces a pinned token: use it with --pin-token (without --pin-token every start makes a new token)');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`ferry host: ${e.message}\n\n${HELP}`);
    return 2;
  }
  let chunkSize: number | undefined;
  try {
    chunkSize = intOption(p, 'chunk-size');
  } catch (e) {
    process.stderr.write(`ferry host: ${(e as Error).message}\n`);
    return 2;
  }
  const home = ferryHome();
  const staging = new StagingArea(join(home, 'staging'));
  const allowRoots = p.values['allow-root'] ?? [];
  const services = await startServices({
    home, sandbox: !p.flags.has('no-sandbox'), stderr: true, ...(chunkSize ? { settings: { chunkSize } } : {}),
    info: hostInfo(process.env.npm_package_version ?? '0.1.0'),
    // Ferry's state and the user's credentials are never uploadable; browser uploads arrive through staging.
    paths: () => hostPathPolicy({ allowRoots, ferryHome: home, staging: staging.dir }),
  });
  try {
    const port = intOption(p, 'port');
    const bind = one(p, 'bind');
    const host = await startHost({
      service: services.service, engine: services.runtime.engine, staging, staticDir: rendererDir(),
      token: await hostToken(home, p.flags.has('pin-token'), p.flags.has('new-token')),
      allowRemote: p.flags.has('allow-remote'),
      ...(port !== undefined ? { port } : {}),
      ...(bind !== undefined ? { bind } : {}),
    });
    process.stdout.write(JSON.stringify({ url: host.openUrl, token: host.token }) + '\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await host.close();
    return 0;
  } catch (e) {
    process.stderr.write(`ferry host: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    await services.close();
  }
}
