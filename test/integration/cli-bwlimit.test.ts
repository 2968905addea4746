// `ferry upload --bwlimit` and `ferry sync --bwlimit` as a user runs them (a child process against
// the UCloud emulator): a bad value is a usage error naming the flag and the cause; a limit holds the
// upload to the rate, read from the emulator's request log (when each chunk arrived), so the check
// is a lower bound the limiter guarantees, not a race against the machine's speed.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode, type ChildRun } from '../helpers/run-child.js';
import { startUcloudEmulator } from '../../app/emulators/ucloud/emulator.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { bundleForChild } from '../helpers/bundle.js';

let CLI = '';
let root = '';
let emu: RunningEmulator;
const closeLater: RunningEmulator[] = [];

function ferry(args: string[], token?: string, home = join(root, 'home')): Promise<ChildRun> {
  return runNode([CLI, ...args], { env: { FERRY_HOME: home, FERRY_TOKEN: token ?? emu.token } });
}

beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
  root = mkdtempSync(join(tmpdir(), 'ferry-cli-bw-'));
  emu = await startUcloudEmulator({ dataDir: join(root, 'emu') });
});
afterAll(async () => {
  await emu?.close();
  for (const e of closeLater) await e.close();
  rmSync(root, { recursive: true, force: true });
});

describe('--bwlimit', () => {
  it('a bad value is a usage error naming the flag and the cause (upload and sync)', async () => {
    const f = join(root, 'x.bin');
    writeFileSync(f, 'x');
    const up = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', emu.url, '--dest', '/1/bw/', '--bwlimit', '4Q']);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('ferry upload: --bwlimit "4Q": "4Q" is not a size');
    const dir = join(root, 'tree');
    mkdirSync(dir, { recursive: true });
    const sync = await ferry(['sync', dir, '--provider', 'ucloud', '--endpoint', emu.url, '--dest', '/1/bw', '--bwlimit', '08:00,4M 25:00,off']);
    expect(sync.code).toBe(2);
    expect(sync.stderr).toMatch(/--bwlimit "08:00,4M 25:00,off": invalid hour in "25:00"/);
    expect(emu.requests()).toEqual([]);
  });

  it('upload --bwlimit 1M: 2 MiB in 256 KiB chunks arrive no faster than 1 MiB/s', async () => {
    // CHUNKED: data goes over HTTP (the WebSocket protocol does not take the limit yet).
    const chunked = await startUcloudEmulator({ dataDir: join(root, 'emu-chunked'), protocol: 'CHUNKED' });
    closeLater.push(chunked);
    const f = join(root, 'two.bin');
    writeFileSync(f, randomBytes(2 * 1024 * 1024));
    const r = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', chunked.url, '--dest', '/1/bw/', '--chunk-size', String(256 * 1024), '--bwlimit', '1M', '--json'], chunked.token);
    expect(r.code, r.stderr).toBe(0);
    const data = chunked.requests().filter((q) => q.bytes > 0);
    expect(data.length).toBeGreaterThanOrEqual(8);
    // Chunk k cannot start before its first byte was due: k × 256 KiB at 1 MiB/s = k/4 s after the first.
    const span = (data.at(-1)!.at - data[0]!.at) / 1000;
    const due = (data.length - 1) / 4;
    expect(span).toBeGreaterThan(due * 0.9);
    expect(span).toBeLessThan(due * 4);
  });

  it('two uploads at once on one state folder share the limit: together, not each, at 1 MiB/s', async () => {
    const chunked = await startUcloudEmulator({ dataDir: join(root, 'emu-shared'), protocol: 'CHUNKED' });
    closeLater.push(chunked);
    const home = join(root, 'home-shared');
    const files = ['one.bin', 'two.bin'].map((n) => join(root, n));
    for (const f of files) writeFileSync(f, randomBytes(3 * 1024 * 1024));
    const runs = await Promise.all(files.map((f) => ferry(['upload', f, '--provider', 'ucloud', '--endpoint', chunked.url, '--dest', '/1/shared/', '--chunk-size', String(256 * 1024), '--bwlimit', '1M', '--json'], chunked.token, home)));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const data = chunked.requests().filter((q) => q.bytes > 0);
    expect(data.reduce((n, q) => n + q.bytes, 0)).toBe(6 * 1024 * 1024);
    // 6 MiB at 1 MiB/s together. Each learns of the other within a beat (1 s), so the first second
    // may carry up to 1.5 MiB: at least 5 s. Each at 1 MiB/s on its own would take 3 s.
    const span = (data.at(-1)!.at - data[0]!.at) / 1000;
    expect(span).toBeGreaterThan(4.5);
    // No lease is left behind once both have finished.
    expect(readdirSync(join(home, 'pace')).filter((n) => n.endsWith('.json'))).toEqual([]);
  });

  // The limit saved by the window or `ferry host` (settings:set) applies to upload and sync too; the
  // flag wins for its run and leaves the saved value as it was (README, "Bandwidth limit").
  it('upload without --bwlimit keeps to the saved limit, and says where it comes from', async () => {
    const chunked = await startUcloudEmulator({ dataDir: join(root, 'emu-saved'), protocol: 'CHUNKED' });
    closeLater.push(chunked);
    const home = join(root, 'home-saved');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'transfer-settings.json'), JSON.stringify({ bwlimit: '1M' }));
    const f = join(root, 'saved.bin');
    writeFileSync(f, randomBytes(2 * 1024 * 1024));
    const r = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', chunked.url, '--dest', '/1/bw/', '--chunk-size', String(256 * 1024), '--json'], chunked.token, home);
    expect(r.code, r.stderr).toBe(0);
    // --json: the note is a message event on stdout, like every other message of the run.
    const messages = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; message?: string }).filter((e) => e.event === 'message').map((e) => e.message);
    expect(messages).toContainEqual(expect.stringContaining(`ferry upload: note: bandwidth limit 1M from ${join(home, 'transfer-settings.json')}`));
    const data = chunked.requests().filter((q) => q.bytes > 0);
    expect(data.length).toBeGreaterThanOrEqual(8);
    const span = (data.at(-1)!.at - data[0]!.at) / 1000;
    expect(span).toBeGreaterThan(((data.length - 1) / 4) * 0.9);
  });

  it('--bwlimit overrides a saved limit for its run (a saved pause does not hold it) and does not change it', async () => {
    const home = join(root, 'home-paused');
    mkdirSync(home, { recursive: true });
    const saved = JSON.stringify({ bwlimit: '0', filesAtOnce: 3 });
    writeFileSync(join(home, 'transfer-settings.json'), saved);
    const f = join(root, 'paused.bin');
    writeFileSync(f, randomBytes(64 * 1024));
    const r = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', emu.url, '--dest', '/1/bw/', '--bwlimit', 'off', '--json'], undefined, home);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('transfer-settings.json');
    expect(readFileSync(join(home, 'transfer-settings.json'), 'utf8')).toBe(saved);
  });

  it('a bad saved limit is a warning naming the file and the cause; the upload runs without a limit', async () => {
    const home = join(root, 'home-bad');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'transfer-settings.json'), JSON.stringify({ bwlimit: '4Q' }));
    const f = join(root, 'bad-saved.bin');
    writeFileSync(f, 'x');
    const r = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', emu.url, '--dest', '/1/bw/'], undefined, home);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ferry upload: warning: .*transfer-settings\.json: bwlimit "4Q" is not used: .*"4Q" is not a size/);
  });
});
