// End to end in Debian Chromium: the real `ferry host` (real runtime, journal and sandbox) and
// a real tus emulator behind a bandwidth-capped fault proxy, so uploads last long enough to
// pause, cancel and restart them mid-file. Screenshots land in test-artifacts/.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { EmulatorFile, EmulatorStats } from '../../app/emulators/kit/emulator-types.js';
import { startTusEmulator } from '../../app/emulators/tus/emulator.js';
import { emulatorAdminHeaders, type RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { buildRenderer, chromiumMissing, launchChromium, screenshot, type Browser } from '../helpers/chromium.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { api, bundleCli, freePort, startHostChild, type HostChild } from './host-process.js';

const missing = chromiumMissing();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Slow enough that a 1.5 MiB file takes several seconds: room to act mid-file. */
const BYTES_PER_SEC = 256 * 1024;
const SLOW_FILE = 1536 * 1024;
/** Small chunks: each is its own request, so a pause or a kill lands between or inside one. */
const CHUNK = 128 * 1024;

describe.skipIf(missing)(`ferry host in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dir: string;
  let bundle: string;
  let bundleDir: string;
  let web: string;
  let port: number;
  let host: HostChild;
  let browser: Browser;
  let page: Page;
  let tus: RunningEmulator;
  let proxy: FaultProxy;
  let tusTargetId: string;

  // An emulator's `/_emulator/*` lives at its origin, whatever path its client URL has, and needs its token.
  const admin = (token: string) => ({ headers: emulatorAdminHeaders({ token }) });
  const stats = async (emu: string, token = tus.token) => (await (await fetch(`${new URL(emu).origin}/_emulator/stats`, admin(token))).json()) as EmulatorStats;
  const files = async (emu: string, token = tus.token) => (await (await fetch(`${new URL(emu).origin}/_emulator/files`, admin(token))).json()) as EmulatorFile[];
  const sandboxToken = async () => (JSON.parse(await fsp.readFile(join(dir, 'home', 'sandbox', 'emulator.json'), 'utf8')) as { token: string }).token;
  const row = (name: string) => page.locator('.row:not([hidden])', { has: page.locator('.name', { hasText: name }) });
  const stateOf = (name: string) => row(name).locator('.state').textContent();
  const pct = async (name: string) => Number.parseInt((await row(name).locator('.pct').textContent()) ?? '0', 10);
  const startHost = async () => {
    host = await startHostChild({ bundle, home: join(dir, 'home'), web, port, args: ['--allow-root', join(dir, 'local'), '--chunk-size', String(CHUNK), '--pin-token'] });
  };
  const chooseTarget = (id: string) => page.selectOption('#target-select', id);

  beforeAll(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-e2e-'));
    await fsp.mkdir(join(dir, 'local'));
    let cli;
    [cli, web, port] = await Promise.all([bundleCli(), buildRenderer(join(dir, 'web')), freePort()]);
    ({ bundle, dir: bundleDir } = cli);
    tus = await startTusEmulator({ dataDir: join(dir, 'tus') });
    proxy = await startFaultProxy({ targetPort: Number(new URL(tus.url).port) });
    await startHost();
    browser = await launchChromium();
    page = browser.page;
    await page.goto(host.url);
    await page.waitForSelector('body[data-ready="true"]');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await proxy?.close();
    await tus?.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
    if (bundleDir) await fsp.rm(bundleDir, { recursive: true, force: true });
  });

  beforeEach((ctx) => {
    onTestFailed(async () => {
      await screenshot(page, `failed-${ctx.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
    });
  });

  afterEach(async () => {
    // A failed test must not leave an upload running into the next one (one file at a time).
    const left = await api<{ id: string; state: { kind: string } }[]>(host, 'transfers:list', null).catch(() => []);
    for (const t of left) if (!['done', 'failed', 'cancelled'].includes(t.state.kind)) await api(host, 'transfers:cancel', { id: t.id }).catch(() => undefined);
  });

  it('opens authorised from the printed URL, drops the code from the address bar, and lists the sandbox', async () => {
    expect(new URL(page.url()).search).toBe('');
    expect(new URL(page.url()).hash).toBe('');
    // Item 3: no cookie at all; the page holds a session secret of its own, not the host token.
    expect(await page.context().cookies()).toEqual([]);
    const held = await page.evaluate('sessionStorage.getItem("ferry-session")') as string;
    expect(held).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(held).not.toContain(host.token);
    await expect.poll(() => page.locator('#target-select option').allTextContents()).toEqual(['Sandbox (on this computer)']);
    await screenshot(page, 'host-01-empty-queue');
  });

  it('item 4: the printed link opened again (from history, another tab) opens nothing; the host token signs in', async () => {
    const other = await browser.context.newPage();
    try {
      await other.goto(host.url);
      const form = other.locator('form[aria-label="Sign in to the Ferry host"]');
      await form.waitFor();
      expect(new URL(other.url()).hash).toBe('');
      await form.locator('input[name=host-token]').fill('not-the-token');
      await form.locator('button[type=submit]').click();
      await expect.poll(() => form.locator('p').textContent()).toMatch(/not the host token/);
      await form.locator('input[name=host-token]').fill(host.token);
      await form.locator('button[type=submit]').click();
      await other.waitForSelector('body[data-ready="true"]');
      expect(await other.evaluate('sessionStorage.getItem("ferry-session")')).not.toContain(host.token);
      await screenshot(other, 'host-01b-signed-in-with-token');
    } finally {
      await other.close();
    }
  });

  it('adds a target in the Targets panel and tests its connection', async () => {
    await page.click('#tab-targets');
    const form = page.locator('form[aria-label="Add a target"]');
    await form.locator('input[name=name]').fill('Slow tus');
    await form.locator('select[name=provider]').selectOption('tus');
    await form.locator('input[name=url]').fill(`${proxy.url}${new URL(tus.url).pathname}`);
    await form.locator('input[name=token]').fill(tus.token);
    await form.locator('button[type=submit]').click();
    const card = page.locator('.card', { hasText: 'Slow tus' });
    await card.getByRole('button', { name: 'Test connection to Slow tus' }).click();
    await expect.poll(() => card.locator('.check').textContent()).toMatch(/^Reached the tus server at 127\.0\.0\.1:\d+ \(tus 1\.0\.0/);
    await screenshot(page, 'host-02-targets');
    const targets = await api<{ id: string; name: string; hasToken: boolean }[]>(host, 'targets:list', null);
    const added = targets.find((t) => t.name === 'Slow tus')!;
    expect(added.hasToken).toBe(true);
    expect(JSON.stringify(targets)).not.toContain(tus.token);
    tusTargetId = added.id;
    await page.click('#tab-queue');
  });

  it('uploads a file picked with the file input to the sandbox, byte for byte', async () => {
    const data = randomBytes(300 * 1024);
    const path = join(dir, 'local', 'picked.bin');
    await fsp.writeFile(path, data);
    await chooseTarget('sandbox');
    await page.setInputFiles('#file-input', path);
    await page.click('#tab-history');
    await expect.poll(() => stateOf('picked.bin'), { timeout: 30_000 }).toMatch(/^Done/);
    const sandboxUrl = (await api<{ id: string; url: string }[]>(host, 'targets:list', null)).find((t) => t.id === 'sandbox')!.url;
    const stored = (await files(new URL(sandboxUrl).origin, await sandboxToken())).find((f) => f.path.endsWith('picked.bin'));
    expect(stored).toMatchObject({ size: data.length, sha256: sha256(data) });
    await screenshot(page, 'host-03-history-done');
    await page.click('#tab-queue');
  });

  it('uploads a dropped file, pauses and resumes it mid-file, and the remote copy is identical', async () => {
    await proxy.setMode({ kind: 'bandwidth', bytesPerSec: BYTES_PER_SEC });
    const data = randomBytes(SLOW_FILE);
    await chooseTarget(tusTargetId);
    await dropFile(page, 'dropped.bin', data);
    await expect.poll(() => pct('dropped.bin'), { timeout: 20_000 }).toBeGreaterThanOrEqual(10);
    await screenshot(page, 'host-04-uploading');
    await row('dropped.bin').getByRole('button', { name: 'Pause dropped.bin' }).click();
    await expect.poll(() => stateOf('dropped.bin')).toBe('Paused');
    // Bytes already inside the proxy's buffer still drain into the emulator after the pause
    // (that is the middlebox, not Ferry); once drained, nothing more may arrive.
    const shown = await pct('dropped.bin');
    let last = -1;
    for (let i = 0; i < 30; i++) {
      const now = (await stats(tus.url)).bytesReceived;
      if (now === last) break;
      last = now;
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(last).toBeLessThan(SLOW_FILE);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await stats(tus.url)).bytesReceived, 'bytes kept arriving while paused').toBe(last);
    expect(await pct('dropped.bin'), 'progress moved while paused').toBe(shown);
    await screenshot(page, 'host-05-paused');
    await row('dropped.bin').getByRole('button', { name: 'Resume dropped.bin' }).click();
    await page.click('#tab-history');
    await expect.poll(() => stateOf('dropped.bin'), { timeout: 40_000 }).toMatch(/^Done/);
    expect((await files(tus.url)).some((f) => f.size === data.length && f.sha256 === sha256(data))).toBe(true);
    await page.click('#tab-queue');
  }, 90_000);

  it('cancels mid-file and the session is deleted on the server', async () => {
    const before = await stats(tus.url);
    await dropFile(page, 'cancel-me.bin', randomBytes(SLOW_FILE));
    await expect.poll(() => pct('cancel-me.bin'), { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    await row('cancel-me.bin').getByRole('button', { name: 'Cancel cancel-me.bin' }).click();
    await page.click('#tab-history');
    await expect.poll(() => stateOf('cancel-me.bin'), { timeout: 20_000 }).toBe('Cancelled (server session deleted)');
    const after = await stats(tus.url);
    expect(after.sessionsCreated - before.sessionsCreated).toBe(1);
    expect(after.sessionsDeleted - before.sessionsDeleted).toBe(1);
    await screenshot(page, 'host-06-cancelled');
    await page.click('#tab-queue');
  }, 90_000);

  it('resumes the row after the host is restarted mid-upload', async () => {
    const data = randomBytes(SLOW_FILE);
    await dropFile(page, 'restart.bin', data);
    await expect.poll(() => pct('restart.bin'), { timeout: 20_000 }).toBeGreaterThanOrEqual(10);
    const before = await stats(tus.url);
    await host.stop('SIGKILL');
    await expect.poll(() => page.locator('.banner', { hasText: 'Lost the connection' }).isVisible()).toBe(true);
    await screenshot(page, 'host-07-host-down');
    await startHost();
    // The open page reconnects by itself: the same port and the pinned token keep its session valid.
    await expect.poll(() => page.locator('.banner', { hasText: 'Lost the connection' }).isVisible(), { timeout: 15_000 }).toBe(false);
    await page.click('#tab-history');
    await expect.poll(() => stateOf('restart.bin'), { timeout: 40_000 }).toMatch(/^Done/);
    const after = await stats(tus.url);
    expect(after.sessionsCreated - before.sessionsCreated, 'resumed the same server session').toBe(0);
    expect(after.bytesReceived - before.bytesReceived, 'resent far less than the whole file').toBeLessThan(SLOW_FILE);
    expect((await files(tus.url)).some((f) => f.size === data.length && f.sha256 === sha256(data))).toBe(true);
    await screenshot(page, 'host-08-resumed-done');
  }, 120_000);

  it('is keyboard reachable: tabs move with the arrow keys and row buttons take focus', async () => {
    await page.focus('#tab-queue');
    await page.keyboard.press('ArrowRight');
    expect(await page.getAttribute('#tab-history', 'aria-selected')).toBe('true');
    expect(await page.evaluate('document.activeElement.id')).toBe('tab-history');
    await page.keyboard.press('ArrowLeft');
    expect(await page.getAttribute('#tab-queue', 'aria-selected')).toBe('true');
    await page.click('#tab-history');
    await page.focus('#clear-finished');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.row:not([hidden])').count()).toBe(0);
  });

  it('is readable in the dark theme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.click('#tab-history');
    const bg = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(bg).toBe('rgb(15, 20, 25)');
    await screenshot(page, 'host-09-dark-history');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

/** A synthetic drop of one file on the window, as a file manager would deliver it. */
async function dropFile(page: Page, name: string, data: Buffer): Promise<void> {
  await page.evaluate(({ name, b64 }) => {
    // Runs in the page; typed loosely because this project's Node typings have no DOM.
    const w = globalThis as unknown as { document: { body: { dispatchEvent(e: unknown): void } }; DataTransfer: new () => { items: { add(f: unknown): void } }; File: new (parts: unknown[], name: string) => unknown; DragEvent: new (t: string, init: unknown) => unknown };
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new w.DataTransfer();
    dt.items.add(new w.File([bytes], name));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      w.document.body.dispatchEvent(new w.DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, { name, b64: data.toString('base64') });
}
