// Sign-in as a person does it: `ferry remote add` prints the address, Chromium opens it, the
// emulated Box consent page's Allow button is clicked, the browser lands on Ferry's loopback
// page ("Signed in"), and the CLI stores the remote.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForChild } from '../helpers/bundle.js';
import { chromiumMissing, launchChromium, type Browser } from '../helpers/chromium.js';

const missing = chromiumMissing();
let CLI = '';
let root = '';
let emulator: ChildProcess | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (missing) return;
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
  root = mkdtempSync(join(tmpdir(), 'ferry-signin-e2e-'));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  emulator?.kill('SIGTERM');
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.skipIf(missing !== undefined)(`sign-in in a browser${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('the consent page\'s Allow button completes `ferry remote add` through the loopback redirect', async () => {
    const emu = await new Promise<Record<string, string>>((resolve, reject) => {
      emulator = spawn(process.execPath, [CLI, 'emulate', 'box', '--token-ttl', '2s', '--discard'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      emulator.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!)); });
      emulator.once('exit', (c) => reject(new Error(`emulator exited ${c}`)));
    });
    browser = await launchChromium();
    const page = browser.page;
    let opened = false;
    const cli = spawn(process.execPath, [CLI, 'remote', 'add', 'webbox', '--provider', 'box', '--endpoint', emu.url!, '--client-id', emu.clientId!, '--client-secret', emu.clientSecret!, '--auth-url', emu.authorizeUrl!, '--token-url', emu.tokenUrl!], { env: { ...process.env, FERRY_HOME: join(root, 'home') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    const landed = new Promise<string>((resolve, reject) => {
      cli.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/api\/oauth2\/authorize\?\S+)/.exec(stderr);
        if (m && !opened) {
          opened = true;
          void (async () => {
            await page.goto(m[1]!);
            await page.click('#allow');
            await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
            resolve(await page.textContent('body') ?? '');
          })().catch(reject);
        }
      });
    });
    cli.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(await landed).toMatch(/Signed in/);
    expect(stdout).toMatch(/added webbox \(box, oauth\)/);
  }, 90_000);
});
