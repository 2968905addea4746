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
  /** Console errors and uncaught page errors of the current test; any one fails it. */
  const consoleErrors: string[] = [];
  /** Set by a test that takes the host down on purpose: the browser then logs refused connections. */
  let hostDownExpected = false;

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
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`); });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
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
    const errors = consoleErrors.splice(0).filter((e) => !(hostDownExpected && /ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)));
    hostDownExpected = false;
    expect(errors, 'console errors in the page').toEqual([]);
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
    // An empty queue says what to do and where files go.
    const empty = page.locator('#empty-queue');
    await expect.poll(() => empty.isVisible()).toBe(true);
    expect(await empty.textContent()).toMatch(/Drop files or folders here.*or Add files… Add folder….*They go to Sandbox \(on this computer\), folder \/sandbox: a practice account/);
    // One icon, for the page too: the favicon is served (no 404 in the console).
    expect(await page.getAttribute('link[rel=icon]', 'href')).toBe('icon.svg');
    expect(await page.evaluate(`fetch('icon.svg').then((r) => r.status + ' ' + r.headers.get('content-type'))`)).toBe('200 image/svg+xml');
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
    expect(await form.locator('select[name=provider] option').allTextContents()).toEqual(['UCloud', 'Redivis', 'Synapse', 'OneDrive', 'Box', 'tus']);
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
    expect(await card.locator('.muted').textContent()).toMatch(/^tus · 127\.0\.0\.1:\d+ · into \/ · signed in$/);
    await page.click('#tab-queue');
  });

  it('says in words why an account cannot be reached or added, with the details one click away', async () => {
    await page.click('#tab-targets');
    const form = page.locator('form[aria-label="Add a target"]');
    await form.locator('input[name=name]').fill('Nowhere');
    await form.locator('select[name=provider]').selectOption('box');
    await form.locator('input[name=url]').fill('http://127.0.0.1:9/2.0');
    await form.locator('input[name=token]').fill('x');
    await form.locator('button[type=submit]').click();
    const card = page.locator('.card', { hasText: 'Nowhere' });
    await card.getByRole('button', { name: 'Test connection to Nowhere' }).click();
    await expect.poll(() => card.locator('.check .error-summary').textContent()).toBe('Could not reach 127.0.0.1:9.');
    expect(await card.locator('.check .error-advice').textContent()).toMatch(/Check the address/);
    expect(await card.locator('.check details').getAttribute('open')).toBeNull();
    await card.locator('.check details summary').click();
    expect(await card.locator('.check details code').textContent()).toMatch(/^Could not reach 127\.0\.0\.1:9: /);
    // A bad address: the validation message in words, not "targets:add: request.url …".
    await form.locator('input[name=name]').fill('Bad address');
    await form.locator('input[name=url]').fill('ftp://files.example.org');
    await form.locator('button[type=submit]').click();
    const notice = page.locator('.notice-error', { hasText: 'Could not add the account' });
    await expect.poll(() => notice.locator('.error-summary').textContent()).toBe('Could not add the account: The address must start with http:// or https://.');
    await screenshot(page, 'host-02b-account-errors');
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    const nowhere = (await api<{ id: string; name: string }[]>(host, 'targets:list', null)).find((t) => t.name === 'Nowhere')!;
    await api(host, 'targets:remove', { id: nowhere.id });
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
    await expect.poll(() => page.locator('#overall-words').textContent()).toMatch(/^[\d.]+ (B|KiB|MiB) of 1\.5 MiB \(\d+%\)( · about .* left)? · 1 active · /);
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
    expect(await row('dropped.bin').locator('.speed').textContent(), 'a paused row shows no speed').toBe('');
    expect(await page.locator('#summary').textContent()).toBe('1 paused');
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

  it('pauses and resumes everything from the keyboard (P, R)', async () => {
    await dropFile(page, 'keys.bin', randomBytes(SLOW_FILE));
    await expect.poll(() => stateOf('keys.bin'), { timeout: 20_000 }).toBe('Uploading');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('p');
    await expect.poll(() => stateOf('keys.bin')).toBe('Paused');
    await page.keyboard.press('r');
    await expect.poll(() => stateOf('keys.bin')).not.toBe('Paused');
    expect(await page.getAttribute('#pause-all', 'aria-keyshortcuts')).toBe('P');
    await api(host, 'transfers:cancel', { id: (await api<{ id: string; name: string }[]>(host, 'transfers:list', null)).find((t) => t.name === 'keys.bin')!.id });
  }, 60_000);

  it('says Waiting for connection while the server is down, and the retry counts down', async () => {
    await proxy.setMode({ kind: 'refuse' });
    try {
      await dropFile(page, 'offline.bin', randomBytes(64 * 1024));
      await expect.poll(() => stateOf('offline.bin'), { timeout: 20_000 }).toMatch(/^Waiting for connection, retrying in \d+s$/);
      await expect.poll(() => page.locator('#summary').textContent()).toBe('Waiting for connection');
      // The countdown moves between events: sampled for three seconds, it shows several values.
      const seen = new Set<string>();
      for (let i = 0; i < 15; i++) {
        seen.add((await stateOf('offline.bin')) ?? '');
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(seen.size, [...seen].join(' | ')).toBeGreaterThanOrEqual(2);
      await screenshot(page, 'host-10-waiting-for-connection');
    } finally {
      await proxy.setMode({ kind: 'bandwidth', bytesPerSec: BYTES_PER_SEC });
    }
  }, 90_000);

  it('keeps failures in the queue with Retry, Retry all and the reason in words; a large cancel asks once', async () => {
    const bad = await api<{ id: string }>(host, 'targets:add', {
      name: 'Expired tus', provider: 'tus', url: `${proxy.url}${new URL(tus.url).pathname}`, token: 'expired-token', remoteRoot: '/', conflict: 'rename', options: {},
    });
    await chooseTarget(bad.id);
    await dropFile(page, 'denied.bin', randomBytes(32 * 1024));
    await expect.poll(() => stateOf('denied.bin'), { timeout: 20_000 }).toBe('Failed');
    expect(await page.locator('.failed-bar').textContent()).toBe('1 upload failed.Retry');
    await page.click('#retry-all');
    await expect.poll(() => stateOf('denied.bin'), { timeout: 20_000 }).toBe('Failed');
    const big = join(dir, 'local', 'large-refused.bin');
    await fsp.writeFile(big, '');
    await fsp.truncate(big, 200 * 1024 * 1024);
    await api(host, 'transfers:add', { targetId: bad.id, paths: [big] });
    await expect.poll(() => stateOf('large-refused.bin'), { timeout: 20_000 }).toBe('Failed');
    // Still in the Queue tab, with the reason in words and the actions at hand.
    expect(await page.getAttribute('#tab-queue', 'aria-selected')).toBe('true');
    expect(await row('denied.bin').locator('.error').textContent()).toBe('The account’s sign-in was refused or has expired.');
    expect(await page.locator('.failed-bar').textContent()).toBe('2 uploads failed.Retry all');
    expect(await page.locator('#tab-queue').textContent()).toMatch(/^Queue \(\d+, 2 failed\)$/);
    await screenshot(page, 'host-11-failed-in-queue');
    await row('denied.bin').getByRole('button', { name: 'Details denied.bin' }).click();
    const dialog = page.locator('dialog.error-dialog');
    expect(await dialog.locator('.error-advice').textContent()).toMatch(/Sign in to the account again/);
    await dialog.locator('details summary').click();
    expect(await dialog.locator('details code').textContent()).toMatch(/401/);
    await screenshot(page, 'host-12-error-details');
    await dialog.getByRole('button', { name: 'Close' }).click();
    // Narrow window: everything still fits and nothing is cut off.
    await page.setViewportSize({ width: 640, height: 700 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(640);
    for (const sel of ['#summary', '#resume-all', '#tab-settings']) {
      const box = (await page.locator(sel).boundingBox())!;
      expect(box.x + box.width, sel).toBeLessThanOrEqual(640);
    }
    const actions = (await row('denied.bin').locator('.col-actions').boundingBox())!;
    expect(actions.x + actions.width).toBeLessThanOrEqual(640);
    await screenshot(page, 'host-13-narrow-640');
    await page.setViewportSize({ width: 1200, height: 760 });
    // Cancelling 200 MiB asks once; the small one goes at the first press.
    await row('large-refused.bin').getByRole('button', { name: 'Cancel large-refused.bin' }).click();
    await expect.poll(() => row('large-refused.bin').locator('.act-cancel').textContent()).toBe('Really cancel?');
    expect(await stateOf('large-refused.bin')).toBe('Failed');
    await screenshot(page, 'host-14-cancel-asks');
    await row('large-refused.bin').getByRole('button', { name: 'Confirm cancel large-refused.bin' }).click();
    await row('denied.bin').getByRole('button', { name: 'Cancel denied.bin' }).click();
    await expect.poll(() => page.locator('.failed-bar').isVisible()).toBe(false);
    await chooseTarget(tusTargetId);
    await api(host, 'targets:remove', { id: bad.id });
  }, 90_000);

  it('resumes the row after the host is restarted mid-upload', async () => {
    const data = randomBytes(SLOW_FILE);
    await dropFile(page, 'restart.bin', data);
    await expect.poll(() => pct('restart.bin'), { timeout: 20_000 }).toBeGreaterThanOrEqual(10);
    const before = await stats(tus.url);
    hostDownExpected = true;
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

  it('shows the copy of a large dropped file to the host as progress, not Idle', async () => {
    await chooseTarget('sandbox');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
    await dropFile(page, 'staged-large.bin', randomBytes(4 * 1024 * 1024));
    await expect.poll(() => page.locator('#overall-words').textContent(), { timeout: 10_000 }).toMatch(/^Copying staged-large\.bin to the host… [\d.]+ (B|KiB|MiB) of 4\.0 MiB$/);
    expect(await page.locator('#empty-queue').isVisible()).toBe(false);
    expect(await page.locator('#summary').textContent()).toMatch(/^Copying to the host… \d+%$/);
    await screenshot(page, 'host-15-copying-to-host');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.click('#tab-history');
    await expect.poll(() => stateOf('staged-large.bin'), { timeout: 40_000 }).toMatch(/^Done/);
    await page.click('#tab-queue');
    await chooseTarget(tusTargetId);
  }, 90_000);

  it('says how to allow a folder when the host may not watch it', async () => {
    await page.click('#tab-folders');
    expect(await page.locator('#allow-root-hint').textContent()).toContain('ferry host --allow-root <folder>');
    const form = page.locator('form[aria-label="Watch a folder"]');
    await form.locator('input[name=localPath]').fill(os.tmpdir());
    await form.locator('button[type=submit]').click();
    const notice = page.locator('.notice-error', { hasText: 'Could not watch the folder' });
    await expect.poll(() => notice.locator('.error-advice').textContent()).toBe(`Restart it with \`ferry host --allow-root ${os.tmpdir()}\` to allow this folder (and what is inside it).`);
    await screenshot(page, 'host-16-folder-not-allowed');
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await page.click('#tab-queue');
  });

  it('has settings, a log view and Copy diagnostics without a secret in it', async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(host.url).origin });
    await page.click('#tab-settings');
    await expect.poll(() => page.locator('#state-folder').textContent()).toBe(join(dir, 'home'));
    await expect.poll(() => page.locator('#log-view li').count()).toBeGreaterThan(0);
    await page.check('#log-problems');
    // The bandwidth limit changes while uploads run; a bad value is refused in words, nothing changes.
    await page.fill('#bwlimit-input', '4M');
    await page.click('#bwlimit-save');
    await expect.poll(() => page.locator('#bwlimit-state').textContent()).toBe('Now 4.0 MiB/s for all uploads together.');
    await page.fill('#bwlimit-input', '4Q');
    await page.click('#bwlimit-save');
    await expect.poll(() => page.locator('#bwlimit-state').textContent()).toMatch(/4Q.*not a size/);
    await page.fill('#bwlimit-input', 'off');
    await page.click('#bwlimit-save');
    await expect.poll(() => page.locator('#bwlimit-state').textContent()).toBe('No limit now.');
    await page.fill('#files-at-once', '3');
    await page.dispatchEvent('#files-at-once', 'change');
    await expect.poll(async () => (await api<{ filesAtOnce: number }>(host, 'settings:get', null)).filesAtOnce).toBe(3);
    await page.fill('#files-at-once', '40');
    await page.dispatchEvent('#files-at-once', 'change');
    await expect.poll(() => page.locator('#files-at-once-state').textContent()).toMatch(/filesAtOnce must be a whole number from 1 to 16/);
    await screenshot(page, 'host-17-settings-log');
    await page.click('#copy-diagnostics');
    await expect.poll(() => page.locator('.notice', { hasText: 'Diagnostics copied' }).count(), { timeout: 20_000 }).toBe(1);
    const text = (await page.evaluate('navigator.clipboard.readText()')) as string;
    const d = JSON.parse(text) as { accounts: { name: string; provider: string; connection?: { ok: boolean } }[]; versions: { ferry: string } };
    expect(d.accounts.find((a) => a.name === 'Slow tus')).toMatchObject({ provider: 'tus', connection: { ok: true } });
    expect(text).not.toContain(tus.token);
    expect(text).not.toContain(host.token);
    await page.click('#tab-queue');
  }, 60_000);

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
    expect(await page.locator('.empty-history').isVisible()).toBe(true);
    await screenshot(page, 'host-09-dark-history');
    await page.click('#tab-queue');
    await screenshot(page, 'host-09b-dark-empty-queue');
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
