// `ferry host` as a child process, for end-to-end tests: started from a bundle of the CLI
// (plain node, no TypeScript loader), restartable on the same port and home.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp, mkdtempSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

/**
 * Bundles the CLI for a child process. The bundle lives under node_modules/.cache so that
 * its bare imports (undici, chokidar, @parcel/watcher) resolve from this checkout: ESM ignores
 * NODE_PATH, so a bundle in the system temp dir could not find them. Returns [bundle, cleanup dir].
 */
export async function bundleCli(): Promise<{ bundle: string; dir: string }> {
  const cache = join(process.cwd(), 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'ferry-e2e-'));
  const bundle = join(dir, 'ferry.mjs');
  await build({
    entryPoints: [join(process.cwd(), 'app/cli/main.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20',
    format: 'esm', packages: 'external', logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return { bundle, dir };
}

/** What a suite of host tests shares: a temp folder, an empty web root in it, and the CLI bundle. */
export interface HostSuite {
  dir: string;
  web: string;
  bundle: string;
}

/** Makes the suite's folder, web root and bundle before its tests and removes them after. */
export function hostSuite(prefix: string): HostSuite {
  const s: HostSuite = { dir: '', web: '', bundle: '' };
  let bundleDir = '';
  beforeAll(async () => {
    s.dir = await fsp.mkdtemp(join(os.tmpdir(), prefix));
    s.web = join(s.dir, 'web');
    await fsp.mkdir(s.web);
    await fsp.writeFile(join(s.web, 'index.html'), '<!doctype html>');
    ({ bundle: s.bundle, dir: bundleDir } = await bundleCli());
  }, 60_000);
  afterAll(async () => {
    if (s.dir) await fsp.rm(s.dir, { recursive: true, force: true });
    if (bundleDir) await fsp.rm(bundleDir, { recursive: true, force: true });
  });
  return s;
}

export interface HostChild {
  url: string;
  base: string;
  token: string;
  proc: ChildProcess;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startHostChild(o: { bundle: string; home: string; web: string; port: number; args?: string[]; env?: NodeJS.ProcessEnv }): Promise<HostChild> {
  const proc = spawn(process.execPath, [o.bundle, 'host', '--port', String(o.port), ...(o.args ?? [])], {
    env: { ...process.env, FERRY_HOME: o.home, FERRY_RENDERER_DIR: o.web, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ferry host printed nothing within 20 s; stderr: ${err}`)), 20_000);
    createInterface({ input: proc.stdout! }).once('line', (l) => { clearTimeout(timer); resolve(l); });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`ferry host exited ${code}: ${err}`)); });
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return {
    url, token, proc, base: new URL(url).origin,
    stderr: () => err,
    stop: (signal = 'SIGTERM') => new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      // A host that does not stop within 10 s is killed: a test must never leave one behind.
      const hard = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => { clearTimeout(hard); resolve(); });
      proc.kill(signal);
    }),
  };
}

export async function api<T = unknown>(h: { base: string; token: string }, channel: string, req: unknown): Promise<T> {
  const res = await fetch(`${h.base}/api/call/${channel}`, {
    method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' }, body: JSON.stringify(req),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${channel}: ${body.error?.message}`);
  return body.value as T;
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as import('node:net').AddressInfo).port;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}
