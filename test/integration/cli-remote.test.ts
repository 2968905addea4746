// `ferry remote` as a user runs it: add a remote from tokens (rclone config create style), by the
// browser loopback (the consent button), and by device code; list, show, upload by name, remove.
// Secrets never appear in anything the CLI prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForChild } from '../helpers/bundle.js';

let CLI = '';
let root = '';
const emulators: ChildProcess[] = [];
interface Run { code: number | null; stdout: string; stderr: string }

function ferry(args: string[], onStderr?: (text: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, FERRY_HOME: join(root, 'home') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); onStderr?.(stderr); });
    const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('error', reject);
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
  });
}

/** `ferry emulate <provider> --token-ttl 2s`, and the JSON line it prints. */
function emulate(provider: string): Promise<Record<string, string> & { options?: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'emulate', provider, '--token-ttl', '2s', '--data-dir', join(root, `emu-${provider}`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    emulators.push(p);
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
    });
    p.once('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  });
}

beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
  root = mkdtempSync(join(tmpdir(), 'ferry-cli-remote-'));
}, 60_000);
afterAll(() => {
  for (const p of emulators) p.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

describe('ferry remote', () => {
  it('box: add from a refresh token, list, show, upload by name with 2-second tokens, remove; no secret printed', async () => {
    const emu = await emulate('box');
    expect(emu).toMatchObject({ provider: 'box', clientId: expect.any(String), refreshToken: expect.any(String), tokenUrl: expect.any(String) });
    const add = await ferry(['remote', 'add', 'mybox', '--provider', 'box', '--endpoint', emu.url!, '--option', `uploadUrl=${emu.options!.uploadUrl}`, '--client-id', emu.clientId!, '--client-secret', emu.clientSecret!, '--refresh-token', emu.refreshToken!, '--token-url', emu.tokenUrl!]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/added mybox \(box, oauth\)/);
    const list = await ferry(['remote', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'mybox', provider: 'box', status: 'ok' })]);
    const show = await ferry(['remote', 'show', 'mybox']);
    expect(show.stdout).toMatch(/secrets: a file readable only by you \(mode 0600, not encrypted\)/);
    expect(show.stdout).toMatch(/hasRefreshToken: true/);

    const file = join(root, 'clip.bin');
    await fsp.writeFile(file, randomBytes(20 << 20));
    const up = await ferry(['upload', file, 'mybox:Footage/']);
    expect(up.code, up.stderr).toBe(0);
    const files = await (await fetch(`${emu.url}/_emulator/files`, { headers: { authorization: `Bearer ${emu.token}` } })).json() as { path: string; sha256: string }[];
    expect(files.find((f) => f.path === '/Footage/clip.bin')?.sha256).toBe(createHash('sha256').update(await fsp.readFile(file)).digest('hex'));

    const secretFile = JSON.parse(await fsp.readFile(join(root, 'home', 'accounts', 'mybox.secret.json'), 'utf8')) as Record<string, string>;
    const printed = [add, list, show, up].map((r) => r.stdout + r.stderr).join('\n');
    for (const s of [emu.refreshToken!, emu.clientSecret!, secretFile.refreshToken!, secretFile.accessToken!]) expect(printed).not.toContain(s);
    const log = await fsp.readFile(join(root, 'home', 'logs', 'ferry.log'), 'utf8').catch(() => '');
    for (const s of [secretFile.refreshToken!, secretFile.accessToken!]) expect(log).not.toContain(s);

    // A refused refresh token: a clear line, exit 1, and nothing kept.
    const bad = await ferry(['remote', 'add', 'badbox', '--provider', 'box', '--endpoint', emu.url!, '--option', `uploadUrl=${emu.options!.uploadUrl}`, '--client-id', emu.clientId!, '--client-secret', emu.clientSecret!, '--refresh-token', 'rt_not-a-real-one', '--token-url', emu.tokenUrl!]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/badbox was not added: the server refused the refresh token \(invalid_grant\)/);
    expect(bad.stderr).not.toContain('rt_not-a-real-one');
    expect(JSON.parse((await ferry(['remote', 'list', '--json'])).stdout).map((r: { name: string }) => r.name)).toEqual(['mybox']);

    expect((await ferry(['remote', 'remove', 'mybox'])).code).toBe(0);
    expect(JSON.parse((await ferry(['remote', 'list', '--json'])).stdout)).toEqual([]);
    await expect(fsp.stat(join(root, 'home', 'accounts', 'mybox.secret.json'))).rejects.toThrow();
  }, 120_000);

  it('the provider\'s real address is the default endpoint; a tus server, which has none, must be named', async () => {
    const tus = await ferry(['remote', 'add', 'mytus', '--provider', 'tus', '--token', 'x']);
    expect(tus.code).toBe(2);
    expect(tus.stderr).toContain('--endpoint is required for tus');
    const box = await ferry(['remote', 'add', 'realbox', '--provider', 'box', '--token', 'x']);
    expect(box.stderr).not.toContain('--endpoint is required');
    expect((await ferry(['remote', 'list'])).stdout).toMatch(/realbox\tbox\thttps:\/\/api\.box\.com/);
    expect((await ferry(['remote', 'remove', 'realbox'])).code).toBe(0);
  });

  it('box: sign in through the browser loopback (the consent page\'s Allow button), PKCE S256', async () => {
    const emu = await emulate('box');
    const run = ferry(['remote', 'add', 'box2', '--provider', 'box', '--endpoint', emu.url!, '--option', `uploadUrl=${emu.options!.uploadUrl}`, '--client-id', emu.clientId!, '--client-secret', emu.clientSecret!, '--auth-url', emu.authorizeUrl!, '--token-url', emu.tokenUrl!], (err) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/api\/oauth2\/authorize\?\S+)/.exec(err);
      if (m && !clicked) {
        clicked = true;
        void clickAllow(m[1]!);
      }
    });
    let clicked = false;
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/code_challenge_method=S256/);
    expect(r.stdout).toMatch(/added box2/);
  }, 60_000);

  it('onedrive: sign in with a device code', async () => {
    const emu = await emulate('onedrive');
    let entered = false;
    const r = await ferry(['remote', 'add', 'od', '--provider', 'onedrive', '--endpoint', emu.url!, '--client-id', emu.clientId!, '--device-code', '--device-url', emu.deviceUrl!, '--token-url', emu.tokenUrl!], (err) => {
      const m = /open the page (\S+) and enter the code (\w+)/.exec(err);
      if (m && !entered) {
        entered = true;
        void fetch(m[1]!, { method: 'POST', body: new URLSearchParams({ user_code: m[2]! }) });
      }
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/added od \(onedrive, oauth\)/);
  }, 60_000);
});

/** What a person does in the browser: open the consent page and press Allow (submit its form). */
async function clickAllow(authorizeUrl: string): Promise<void> {
  const page = await (await fetch(authorizeUrl)).text();
  const action = /<form method="post" action="([^"]+)"/.exec(page)![1]!;
  const form = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(m[1]!, m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
  form.set('decision', 'allow');
  const res = await fetch(new URL(action, authorizeUrl), { method: 'POST', body: form, redirect: 'manual' });
  await fetch(res.headers.get('location')!);
}
