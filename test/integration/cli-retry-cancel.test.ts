// `ferry retry` and `ferry cancel` on an account Ferry keeps (targets.json), as a user runs them
// after the window or the host left a failed or a paused transfer in the journal. A real tus
// emulator; the failing and the paused transfer are made by the real engine on the same home.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorFile, EmulatorStats } from '../../app/emulators/kit/emulator-types.js';
import { startTusEmulator } from '../../app/emulators/tus/emulator.js';
import type { TargetConfig } from '../../app/engine/engine-api.js';
import { createRuntime } from '../../app/runtime/runtime.js';
import { FileTargetStore } from '../../app/runtime/target-stores.js';
import { bundleForChild } from '../helpers/bundle.js';
import { emulatorAdminHeaders } from '../../app/emulators/kit/emulator-host.js';

let CLI = '';
let root = '';
let home = '';
let tus: RunningEmulator;
const target = (token: string): TargetConfig => ({ id: 'target-tus', name: 'Lab tus', provider: 'tus', url: tus.url, token, options: {}, conflict: 'rename', remoteRoot: '/' });

function ferry(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, FERRY_HOME: home, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
const stats = async () => (await (await fetch(`${new URL(tus.url).origin}/_emulator/stats`, { headers: emulatorAdminHeaders(tus) })).json()) as EmulatorStats;
const files = async () => (await (await fetch(`${new URL(tus.url).origin}/_emulator/files`, { headers: emulatorAdminHeaders(tus) })).json()) as EmulatorFile[];

beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
  root = mkdtempSync(join(tmpdir(), 'ferry-retry-'));
  home = join(root, 'home');
  tus = await startTusEmulator({ dataDir: join(root, 'tus') });
}, 60_000);

afterAll(async () => {
  await tus?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('ferry retry and ferry cancel', () => {
  it('retry uploads a failed transfer again once the account works, and exits 0', async () => {
    const file = join(root, 'report.bin');
    writeFileSync(file, randomBytes(200_000));
    const store = new FileTargetStore(home);
    await store.put(target('expired'));
    const rt = await createRuntime({ home, targets: store, settings: { autoResume: false } });
    const [v] = await rt.engine.add({ targetId: 'target-tus', items: [{ localPath: file, remotePath: '/report.bin' }] });
    expect((await rt.engine.settled(v!.id)).state.kind).toBe('failed');
    await rt.close();
    // The user signs in again (here: the right token), then retries from the terminal.
    await store.put(target(tus.token));
    const status = await ferry(['status']);
    expect(status.stdout).toMatch(/Failed: The account’s sign-in was refused or has expired\./);
    const r = await ferry(['retry', v!.id.slice(0, 8)]);
    expect(r.stderr).toMatch(/Uploaded 1 of 1 file \(195 KiB\) in \d+:\d\d\n$/);
    expect(r.code).toBe(0);
    expect((await files()).some((f) => f.path === '/report.bin' && f.size === 200_000)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(tus.token);
  });

  it('cancel deletes the server session of a paused transfer', async () => {
    const file = join(root, 'paused.bin');
    writeFileSync(file, randomBytes(8_000_000));
    let paused = false;
    // Paused after its first chunk: the server holds a session with part of the file.
    const rt = await createRuntime({
      home, targets: new FileTargetStore(home), settings: { autoResume: false, chunkSize: 65_536 },
      afterChunk: (id) => {
        if (paused) return;
        paused = true;
        void rt.engine.pause(id);
      },
    });
    const [v] = await rt.engine.add({ targetId: 'target-tus', items: [{ localPath: file, remotePath: '/paused.bin' }] });
    await expect.poll(() => rt.engine.get(v!.id)?.state.kind, { timeout: 20_000 }).toBe('paused');
    await rt.close();
    const before = await stats();
    const r = await ferry(['cancel', v!.id]);
    expect(r.stdout).toBe(`Cancelled ${file} (server session deleted)\n`);
    expect(r.code).toBe(0);
    expect((await stats()).sessionsDeleted - before.sessionsDeleted).toBe(1);
    // Cancelled and deleted on the server: the journal lets it go, so a second cancel finds nothing.
    const again = await ferry(['cancel', v!.id]);
    expect(again.stderr).toBe(`ferry cancel: no transfer ${v!.id} in the journal (see ferry status)\n`);
    expect(again.code).toBe(1);
  });
});
