// The crash harness (fault rows 19, 27): `ferry upload` runs as a child process and is
// SIGKILLed at seeded random points of its progress, then started again with the same
// $FERRY_HOME, until it exits 0. The server's file must be byte-identical, and no kill may cost
// more than one chunk of re-sent bytes.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, promises as fsp, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EMULATORS, emulatorOrigin } from '../../app/emulators/registry.js';
import { emulatorAdminHeaders, type RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { optionPorts, startFaultProxy, throughProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { CASES, startCaseEmulator, type ProviderCase } from '../helpers/provider-cases.js';
import { bundleForChild } from '../helpers/bundle.js';

let CLI = '';
const MiB = 1 << 20;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Rig {
  root: string;
  home: string;
  file: string;
  size: number;
  emu: RunningEmulator;
  proxy: FaultProxy;
  args: string[];
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.proxy.close();
    await r.emu.close();
    rmSync(r.root, { recursive: true, force: true });
  }
});

async function rig(c: ProviderCase, size: number, chunk: number, bytesPerSec: number): Promise<Rig> {
  const root = mkdtempSync(join(tmpdir(), `ferry-crash-${c.id}-`));
  const file = join(root, 'big.bin');
  // Distinct content in every block, so a chunk written at the wrong offset is caught.
  const fh = await fsp.open(file, 'w');
  for (let off = 0; off < size; off += 4 * MiB) await fh.write(randomBytes(Math.min(4 * MiB, size - off)));
  await fh.close();
  const emu = await startCaseEmulator(c, join(root, 'emu'));
  const direct = EMULATORS[c.id].endpointFor(emu);
  const proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port), alsoTargetPorts: optionPorts(direct) });
  await proxy.setMode({ kind: 'bandwidth', bytesPerSec });
  const ep = throughProxy(direct, proxy);
  const url = ep.url;
  const options = Object.entries({ ...ep.options, ...c.client }).flatMap(([k, v]) => ['--option', `${k}=${v}`]);
  const args = [CLI, 'upload', file, '--provider', c.id, '--endpoint', url, '--dest', '/crash/big.bin', '--chunk-size', String(chunk), '--json', ...options];
  const r: Rig = { root, home: join(root, 'home'), file, size, emu, proxy, args };
  rigs.push(r);
  return r;
}

/** Runs the CLI until it exits, or kills it once it reports `killAt` bytes. Resolves with the exit code (null when killed). */
function runChild(r: Rig, token: string, killAt: number | undefined): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, r.args, {
      env: { ...process.env, FERRY_HOME: r.home, FERRY_TOKEN: token, FERRY_RETRY_BASE_MS: '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    createInterface({ input: p.stdout }).on('line', (line) => {
      const ev = JSON.parse(line) as { transferred?: number };
      if (killAt !== undefined && (ev.transferred ?? 0) >= killAt) p.kill('SIGKILL');
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(null);
      else if (code !== 0) reject(new Error(`ferry upload exited ${code}: ${err}`));
      else resolve(code);
    });
  });
}

function journalOffset(home: string): number {
  const dir = join(home, 'transfers');
  if (!existsSync(dir)) return 0;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (files.length === 0) return 0;
  return (JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { record: { offset: number } }).record.offset;
}

async function stats(emu: RunningEmulator): Promise<{ bytesReceived: number; sessionsCreated: number }> {
  return (await fetch(`${emulatorOrigin(emu)}/_emulator/stats`, { headers: emulatorAdminHeaders(emu) })).json() as never;
}

/** Stats once the killed child's last bytes (still in the proxy and socket buffers) have landed. */
async function settledStats(emu: RunningEmulator): Promise<{ bytesReceived: number; sessionsCreated: number }> {
  let last = await stats(emu);
  for (let i = 0; i < 60; i++) {
    await new Promise((res) => setTimeout(res, 100));
    const now = await stats(emu);
    if (now.bytesReceived === last.bytesReceived) return now;
    last = now;
  }
  return last;
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await fsp.readFile(path)).digest('hex');
}

async function crashLoop(r: Rig, kills: number, seed: number, perKill: (waste: number) => void): Promise<void> {
  const rand = rng(seed);
  const points = Array.from({ length: kills }, () => Math.floor(rand() * r.size)).sort((a, b) => a - b);
  for (const at of points) {
    const before = await stats(r.emu);
    const offsetBefore = journalOffset(r.home);
    const code = await runChild(r, r.emu.token, at);
    if (code === 0) break; // finished before reaching this point
    const after = await settledStats(r.emu);
    const useful = journalOffset(r.home) - offsetBefore;
    if (process.env.CRASH_DEBUG) console.log(JSON.stringify({ at, offsetBefore, offsetAfter: journalOffset(r.home), received: after.bytesReceived - before.bytesReceived, sessions: after.sessionsCreated, records: readdirSync(join(r.home, 'transfers')) }));
    perKill(after.bytesReceived - before.bytesReceived - useful);
  }
  expect(await runChild(r, r.emu.token, undefined)).toBe(0);
}

beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
});

describe('SIGKILL crash and resume', () => {
  it('UCloud: 64 MiB, 20 seeded kills; byte-identical, no kill costs more than one chunk', async () => {
    const c = CASES.find((x) => x.id === 'ucloud')!;
    const chunk = 2 * MiB;
    const r = await rig(c, 64 * MiB, chunk, 48 * MiB);
    const wastes: number[] = [];
    await crashLoop(r, 20, 20261121, (w) => wastes.push(w));
    expect(wastes.length).toBeGreaterThanOrEqual(15);
    // bytesReceived also counts the small JSON body of the one create call.
    for (const w of wastes) expect(w).toBeLessThanOrEqual(chunk + 1024);
    // The registry's account option drive=1 puts the path in drive 1 (UCloud paths begin with a drive id).
    const stored = (await r.emu.files()).find((f) => f.path === '/1/crash/big.bin');
    expect(stored?.sha256).toBe(await sha256(r.file));
    // One upload session for the whole file: resumes never started over.
    expect((await stats(r.emu)).sessionsCreated).toBe(1);
  }, 240_000);

  it('UCloud WEBSOCKET_V2: 16 MiB, 4 seeded kills; byte-identical, one session, each resume restarts the file', async () => {
    // Current UCloud (im2) truncates a file listed again on a new connection: no byte offset
    // survives a crash, so a resume costs the bytes sent before the kill (README, "What a resume costs").
    const c = CASES.find((x) => x.id === 'ucloud')!;
    const size = 16 * MiB;
    const r = await rig({ ...c, emulator: { protocol: 'WEBSOCKET_V2' } }, size, MiB, 24 * MiB);
    let kills = 0;
    await crashLoop(r, 4, 99, () => kills++);
    expect(kills).toBeGreaterThanOrEqual(2);
    const stored = (await r.emu.files()).find((f) => f.path === '/1/crash/big.bin');
    expect(stored?.sha256).toBe(await sha256(r.file));
    // The token outlives a crash: every resume reconnected to the same session.
    expect((await stats(r.emu)).sessionsCreated).toBe(1);
    // Bytes sent before a kill are sent again, and at most the whole file again per kill.
    const received = (await stats(r.emu)).bytesReceived;
    expect(received).toBeGreaterThan(size);
    expect(received).toBeLessThanOrEqual(size * (kills + 1) + 64 * 1024);
  }, 180_000);

  const others = CASES.filter((c) => c.id !== 'ucloud');
  it.each(others)('$id: 16 MiB, 6 seeded kills; byte-identical, at most the chunks in flight re-sent per kill', async (c) => {
    const chunk = c.id === 'onedrive' ? 3 * 320 * 1024 : MiB;
    const size = 16 * MiB;
    const r = await rig({ ...c, emulator: { ...c.emulator, ...(c.id === 'box' || c.id === 'synapse' ? { minPartSize: MiB, partSize: MiB } : {}) }, client: { ...c.client, ...(c.id === 'synapse' ? { partSize: String(MiB) } : {}) } }, size, chunk, 24 * MiB);
    let kills = 0;
    await crashLoop(r, 6, 7 + c.id.length, () => kills++);
    const total = (await stats(r.emu)).bytesReceived;
    // The server may hold more than the journal says (progress writes are throttled where the
    // server can be asked), so this bound is on the whole run: the file once, plus the chunks on
    // the wire per kill (Box sends four parts at once by default, Synapse six).
    const inFlight = c.id === 'box' ? 4 : c.id === 'synapse' ? 6 : 1;
    expect(total).toBeLessThanOrEqual(size + kills * inFlight * chunk);
    const files = await r.emu.files();
    const want = await sha256(r.file);
    expect(files.some((f) => f.sha256 === want && f.size === size), JSON.stringify(files)).toBe(true);
  }, 180_000);
});
