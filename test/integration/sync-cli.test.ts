// `ferry sync` as a user runs it: a child process against a real emulator, an unreadable
// subfolder that must be reported while the rest syncs, JSON lines, SIGINT for a clean stop,
// and the token never printed. Root reads any folder whatever its mode, so when the tests run
// as root the child runs as 'nobody' (uid 65534) for the unreadable folder to be unreadable.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emulatorEntry } from '../../app/emulators/registry.js';
import { emulatorAdminHeaders, type RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorFile } from '../../app/emulators/kit/emulator-types.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface Line { event: string; path?: string; error?: { code: string; message: string }; state?: string }

describe('ferry sync (CLI)', () => {
  let base: string;
  let emu: RunningEmulator;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-sync-cli-'));
    await chmod(base, 0o755);
    await mkdir(join(base, 'emu'));
    emu = await emulatorEntry('ucloud').emulate({ dataDir: join(base, 'emu') });
  });
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await emu.close();
    await chmod(join(base, 'Footage', 'locked'), 0o755).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });

  /** Makes `p` usable by the child when it runs as nobody. */
  const own = async (p: string) => { if (asRoot) await chown(p, NOBODY, NOBODY); };

  it('syncs the readable tree, reports the unreadable subfolder, keeps watching, and stops cleanly on SIGINT', async () => {
    const root = join(base, 'Footage');
    const home = join(base, 'home');
    for (const d of [root, join(root, 'sub'), join(root, 'locked'), home]) {
      await mkdir(d, { recursive: true });
      await own(d);
    }
    for (const [p, text] of [['ok.txt', 'ok'], ['sub/ok2.txt', 'ok two'], ['locked/secret.txt', 'secret']] as const) {
      await writeFile(join(root, p), text);
      await own(join(root, p));
    }
    await chmod(join(root, 'locked'), 0o000);

    child = spawn(process.execPath, ['--import', 'tsx', 'app/cli/main.ts', 'sync', root, '--provider', 'ucloud', '--endpoint', emu.url,
      '--dest', '/1/Footage', '--json', '--settle-ms', '300'], {
      cwd: process.cwd(),
      env: { ...process.env, FERRY_HOME: home, FERRY_TOKEN: emu.token },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
    const lines = (): Line[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
    const waitFor = async (what: string, cond: () => boolean, ms = 30_000) => {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end || child!.exitCode !== null) throw new Error(`timed out waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const doneCount = () => lines().filter((l) => l.event === 'done').length;

    await waitFor('the first uploads', () => doneCount() === 2 && lines().some((l) => l.event === 'state' && l.state === 'watching'));
    const problem = lines().find((l) => l.event === 'error');
    expect(problem?.path).toBe('locked');
    expect(problem?.error?.code).toBe('file-unreadable');
    expect(problem?.error?.message).toMatch(/locked.*permission denied/);

    await writeFile(join(root, 'sub', 'later.txt'), 'written while watching');
    await waitFor('the new file', () => doneCount() === 3);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(lines().at(-1)).toEqual({ event: 'state', state: 'stopped' });
    const files = (await (await fetch(`${emu.url}/_emulator/files`, { headers: emulatorAdminHeaders(emu) })).json()) as EmulatorFile[];
    expect(files.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/1/Footage/ok.txt', size: 2, sha256: sha('ok') },
      { path: '/1/Footage/sub/later.txt', size: 22, sha256: sha('written while watching') },
      { path: '/1/Footage/sub/ok2.txt', size: 6, sha256: sha('ok two') },
    ]);
    expect(out + err).not.toContain(emu.token);
    expect(err).toContain('does not delete anything on the target');
  }, 90_000);

  it('refuses to start without a token, naming what is missing, and prints no stack', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, FERRY_HOME: join(base, 'home') };
    delete env.FERRY_TOKEN;
    const p = spawn(process.execPath, ['--import', 'tsx', 'app/cli/main.ts', 'sync', base, '--provider', 'ucloud', '--endpoint', emu.url, '--dest', '/1/x'], {
      cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/no token: pass --token or set FERRY_TOKEN/);
    expect(err).not.toMatch(/at .*\.ts:\d+/);
  });
});
