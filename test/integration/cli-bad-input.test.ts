// `ferry upload` and `ferry status` with bad input (issue 2, item 8): each case gives one clear
// line naming the file and the cause, a non-zero exit, and loses nothing already uploaded or
// recorded. The CLI runs as a child process, as a user runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode, type ChildRun } from '../helpers/run-child.js';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, promises as fsp, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUcloudEmulator } from '../../app/emulators/ucloud/emulator.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { bundleForChild } from '../helpers/bundle.js';

let CLI = '';
let root = '';
let emu: RunningEmulator;
let proxy: FaultProxy;

type Run = ChildRun;

function ferry(args: string[], env: Record<string, string> = {}, o: { uid?: number; onStdout?: (line: string) => void } = {}): Promise<Run> {
  return runNode([CLI, ...args], { env: { FERRY_HOME: join(root, 'home'), FERRY_RETRY_BASE_MS: '20', ...env }, ...o });
}

const upload = (files: string[], extra: string[] = [], env: Record<string, string> = {}, o = {}) =>
  ferry(['upload', ...files, '--provider', 'ucloud', '--endpoint', emu.url, '--dest', '/1/bad/', ...extra], { FERRY_TOKEN: emu.token, ...env }, o);

beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
  root = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
  chmodSync(root, 0o777);
  emu = await startUcloudEmulator({ dataDir: join(root, 'emu') });
  proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port) });
});
afterAll(async () => {
  await proxy?.close();
  await emu?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('ferry upload with bad input', () => {
  it('a missing file: names it, exits 1, still uploads the good one', async () => {
    const good = join(root, 'good.bin');
    writeFileSync(good, randomBytes(1000));
    const r = await upload([join(root, 'nope.bin'), good]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${join(root, 'nope.bin')} does not exist`));
    expect(r.stderr).toMatch(/Uploaded 1 of 2 files .*, 1 refused/);
    expect((await emu.files()).map((f) => f.path)).toContain('/1/bad/good.bin');
  });

  it('only bad files: bad input, exit 2 (nothing could be queued)', async () => {
    const r = await upload([join(root, 'nope1.bin'), join(root, 'nope2.bin')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Uploaded 0 of 2 files .*, 2 refused/);
  });

  it('a provider option missing: said once for all the files it held back, exit 2, nothing sent', async () => {
    const a = join(root, 'box-a.bin');
    const b = join(root, 'box-b.bin');
    writeFileSync(a, randomBytes(100));
    writeFileSync(b, randomBytes(100));
    const before = emu.stats().requests;
    const r = await ferry(['upload', a, b, '--provider', 'box', '--endpoint', `${emu.url}/2.0`, '--dest', '/x/'], { FERRY_TOKEN: 't' });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.includes('option uploadUrl'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('(2 files)');
    expect(r.stderr).toMatch(/Uploaded 0 of 2 files .*, 2 refused/);
    expect(emu.stats().requests - before).toBe(0);
  });

  it('a folder given as a file', async () => {
    const dir = join(root, 'folder');
    mkdirSync(dir, { recursive: true });
    const r = await upload([dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${dir} is a folder, not a file`));
  });

  it('a FIFO', async () => {
    const fifo = join(root, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const r = await upload([fifo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${fifo} is not a regular file`));
  });

  it('an unreadable file', async () => {
    const secret = join(root, 'secret.bin');
    writeFileSync(secret, 'x');
    chmodSync(secret, 0o000);
    // root reads anything: run the CLI as nobody so the permission bites.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534 } : {};
    const home = join(root, 'home-nobody');
    mkdirSync(home, { mode: 0o777, recursive: true });
    chmodSync(home, 0o777);
    const r = await upload([secret], [], { FERRY_HOME: home }, asNobody);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${secret} cannot be read: permission denied`));
  });

  it('an unreachable endpoint: retries, then one line naming the file and the cause', async () => {
    const f = join(root, 'unreach.bin');
    writeFileSync(f, randomBytes(100));
    await proxy.setMode({ kind: 'refuse' });
    const r = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', proxy.url, '--dest', '/1/bad/', '--retries', '2'], { FERRY_TOKEN: emu.token });
    await proxy.setMode({ kind: 'pass' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${f}: .*connection refused`));
    expect(r.stderr).not.toContain(emu.token);
  });

  it('a rejected token: one line, no retry loop, the token never printed', async () => {
    const f = join(root, 'tok.bin');
    writeFileSync(f, randomBytes(100));
    const before = emu.stats().requests;
    const r = await upload([f], [], { FERRY_TOKEN: 'tok_SECRET_123' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${f}: .*HTTP 401`));
    expect(r.stderr + r.stdout).not.toContain('tok_SECRET_123');
    expect(emu.stats().requests - before).toBe(1);
  });

  it('a file that changes during the upload: stopped within a chunk, never committed', async () => {
    const f = join(root, 'growing.bin');
    writeFileSync(f, randomBytes(8 * 65536));
    await proxy.setMode({ kind: 'bandwidth', bytesPerSec: 256 * 1024 });
    let appended = false;
    const r = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', proxy.url, '--dest', '/1/bad/growing.bin', '--chunk-size', '65536', '--json'], { FERRY_TOKEN: emu.token }, {
      onStdout: (chunk) => {
        if (!appended && /"transferred":(6553[6-9]|[1-9]\d{5,})/.test(chunk)) {
          appended = true;
          void fsp.appendFile(f, 'more');
        }
      },
    });
    await proxy.setMode({ kind: 'pass' });
    expect(appended, r.stdout + r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(1);
    // With --json the failure is a JSON line on stdout.
    const failed = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; error?: { code: string; message: string } }).find((e) => e.event === 'failed');
    expect(failed?.error?.code).toBe('file-changed');
    expect(failed?.error?.message).toMatch(new RegExp(`${f} changed during the upload`));
    expect((await emu.files()).map((x) => x.path)).not.toContain('/1/bad/growing.bin');
  });

  it('a file deleted during the upload (fault row 28): one line naming the file and the cause, exit 1, nothing committed', async () => {
    const f = join(root, 'vanishing.bin');
    writeFileSync(f, randomBytes(8 * 65536));
    await proxy.setMode({ kind: 'bandwidth', bytesPerSec: 256 * 1024 });
    const before = emu.stats().bytesReceived;
    let deleted = false;
    // Human output (no --json): the file goes once the server has a chunk of it.
    const poll = setInterval(() => {
      if (!deleted && emu.stats().bytesReceived - before >= 65536) {
        deleted = true;
        rmSync(f);
      }
    }, 5);
    const r = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', proxy.url, '--dest', '/1/bad/vanishing.bin', '--chunk-size', '65536'], { FERRY_TOKEN: emu.token }).finally(() => clearInterval(poll));
    await proxy.setMode({ kind: 'pass' });
    expect(deleted, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(1);
    // The error line (the progress output also shows the state change, as for every failure).
    const named = r.stderr.split('\n').filter((l) => l.startsWith(`ferry upload: ${f}:`));
    expect(named, r.stderr).toHaveLength(1);
    expect(named[0]).toContain(`${f} was deleted during the upload`);
    expect(named[0]).toMatch(/nothing was committed/);
    expect((await emu.files()).map((x) => x.path)).not.toContain('/1/bad/vanishing.bin');
  });
});

describe('a corrupt journal', () => {
  it('is set aside with a warning naming it; other records and the upload carry on', async () => {
    const home = join(root, 'home-corrupt');
    const f = join(root, 'after.bin');
    writeFileSync(f, randomBytes(5000));
    // A good record first, then damage beside it.
    const first = await upload([f], [], { FERRY_HOME: home });
    expect(first.code).toBe(0);
    const dir = join(home, 'transfers');
    writeFileSync(join(dir, 'tgarbage.json'), '{"sha256":"00","record":');
    const status = await ferry(['status'], { FERRY_HOME: home });
    expect(status.code).toBe(3);
    expect(status.stderr).toMatch(/journal record .*tgarbage\.json is unreadable \(torn or corrupt\)/);
    expect(status.stdout).toMatch(/Done/);
    expect(readdirSync(join(home, 'quarantine'))).toHaveLength(1);
    expect(readdirSync(dir)).toHaveLength(1);
  });
});

describe('two processes on one state folder (fault row 25)', () => {
  it('the second refuses to send chunks of an upload the first is sending; the first finishes alone', async () => {
    const home = join(root, 'home-two');
    const f = join(root, 'shared.bin');
    writeFileSync(f, randomBytes(8 * 65536));
    await proxy.setMode({ kind: 'bandwidth', bytesPerSec: 512 * 1024 });
    const args = ['upload', f, '--provider', 'ucloud', '--endpoint', proxy.url, '--dest', '/1/bad/shared.bin', '--chunk-size', '65536', '--json'];
    let second: Promise<Run> | undefined;
    const first = ferry(args, { FERRY_TOKEN: emu.token, FERRY_HOME: home }, {
      onStdout: (chunk) => {
        if (!second && /"transferred":[1-9]/.test(chunk)) second = ferry(args, { FERRY_TOKEN: emu.token, FERRY_HOME: home });
      },
    });
    const a = await first;
    await proxy.setMode({ kind: 'pass' });
    const b = await second!;
    expect(a.code, a.stderr).toBe(0);
    expect(b.code).toBe(1);
    expect(b.stdout).toMatch(/already being uploaded by another Ferry process \(process \d+\)/);
    const stored = (await emu.files()).filter((x) => x.path.startsWith('/1/bad/shared'));
    expect(stored.map((x) => x.path)).toEqual(['/1/bad/shared.bin']);
  });
});

describe('issue 11: bad input refused before any request', () => {
  it('item 10: a remote path with a . or .. segment is a usage error naming it; nothing is sent', async () => {
    const f = join(root, 'dots.bin');
    writeFileSync(f, randomBytes(100));
    for (const dest of ['/a/../b.bin', '/a/./b.bin', '../x/', '/ok/..']) {
      const before = emu.stats().requests;
      const r = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', emu.url, '--dest', dest], { FERRY_TOKEN: emu.token });
      expect(r.code, dest).toBe(2);
      expect(r.stderr).toContain(`'${dest}'`);
      expect(r.stderr).toMatch(/\.\. or \. segment|'\.\.?' segment/);
      expect(emu.stats().requests - before).toBe(0);
    }
    const s = await ferry(['sync', root, '--provider', 'ucloud', '--endpoint', emu.url, '--dest', '/a/../b'], { FERRY_TOKEN: emu.token });
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(`'/a/../b'`);
  });

  it('item 11: an endpoint that is not http(s) is a usage error (exit 2), not retried for ever', async () => {
    const f = join(root, 'scheme.bin');
    writeFileSync(f, randomBytes(100));
    for (const endpoint of ['ftp://127.0.0.1:21/x', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const r = await ferry(['upload', f, '--provider', 'ucloud', '--endpoint', endpoint, '--dest', '/bad/'], { FERRY_TOKEN: emu.token });
      expect(r.code, endpoint).toBe(2);
      expect(r.stderr).toMatch(/--endpoint must be an http:\/\/ or https:\/\/ URL/);
      const s = await ferry(['sync', root, '--provider', 'ucloud', '--endpoint', endpoint, '--dest', '/b'], { FERRY_TOKEN: emu.token });
      expect(s.code, `sync ${endpoint}`).toBe(2);
    }
  });

  it('item 12: a file name that is not valid UTF-8 is reported as such, not as "does not exist"', async () => {
    const dir = join(root, 'latin1');
    mkdirSync(dir, { recursive: true });
    // 'caf\xe9.bin' in Latin-1: a name Node cannot turn into a string without losing the byte.
    const raw = Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('.bin')]);
    writeFileSync(raw, 'x');
    const r = await upload([`${dir}/caf\ufffd.bin`]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/does not exist/);
    expect(r.stderr).toMatch(/not valid UTF-8/);
  });
});
