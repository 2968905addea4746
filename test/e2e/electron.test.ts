// The desktop app end to end through playwright's Electron driver: one hardened window, the
// sandbox target, a file added over IPC reaching done, navigation away refused. Runs only where
// Electron's binary is installed; elsewhere it is reported as skipped, with the reason.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, mkdtempSync, promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../helpers/chromium.js';

const root = process.cwd();

function electronBinary(): string | undefined {
  const pathFile = join(root, 'node_modules/electron/path.txt');
  if (!existsSync(pathFile)) return undefined;
  const bin = join(root, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : undefined;
}

const bin = electronBinary();
const reason = 'no Electron binary: node_modules/electron/dist is missing (installed with ELECTRON_SKIP_BINARY_DOWNLOAD or offline)';

/** A private build of the app under node_modules/.cache, so its bare imports resolve from this checkout. */
async function buildApp(): Promise<string> {
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'ferry-electron-'));
  const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };
  await Promise.all([
    build({ entryPoints: [join(root, 'main/main.ts')], outfile: join(dir, 'main/main.js'), bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', external: ['electron'], banner, logLevel: 'warning' }),
    build({ entryPoints: [join(root, 'main/preload.ts')], outfile: join(dir, 'main/preload.cjs'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['electron'], logLevel: 'warning' }),
    build({ entryPoints: [join(root, 'renderer/index.ts')], outfile: join(dir, 'renderer/renderer.js'), bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', logLevel: 'warning' }),
  ]);
  for (const f of ['index.html', 'styles.css']) cpSync(join(root, 'renderer', f), join(dir, 'renderer', f));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ferry', version: '0.1.0', type: 'module', main: 'main/main.js' }));
  return dir;
}

// Say it where the default reporter shows it, not only in the suite's name.
if (!bin) console.warn(`electron e2e skipped: ${reason}`);

describe.skipIf(!bin)(`desktop app in Electron${bin ? '' : ` (skipped: ${reason})`}`, () => {
  it('opens one hardened window with the sandbox and uploads a file to it', async () => {
    const appDir = await buildApp();
    const home = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-electron-home-'));
    const file = join(home, '..', `ferry-electron-${Date.now()}.bin`);
    await fsp.writeFile(file, Buffer.alloc(200 * 1024, 3));
    const app = await _electron.launch({ executablePath: bin!, args: [appDir], env: { ...process.env, FERRY_HOME: home } as Record<string, string> });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      expect(page.url()).toBe('app://ferry/index.html');
      // The page has the bridge and nothing of Node.
      expect(await page.evaluate('[typeof window.ferry, typeof require, typeof process]')).toEqual(['object', 'undefined', 'undefined']);
      // One window only; its options are the unit-tested windowOptions() (main-security.test.ts).
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);

      const added = await page.evaluate(`window.ferry['transfers:add']({ targetId: 'sandbox', paths: [${JSON.stringify(file)}] })`) as { ok: boolean };
      expect(added.ok).toBe(true);
      await page.click('#tab-history');
      await expect.poll(() => page.locator('.row:not([hidden]) .state').first().textContent(), { timeout: 30_000 }).toMatch(/^Done/);
      await screenshot(page, 'electron-01-done');

      // Navigation away is refused by main.
      await page.evaluate("location.href = 'https://example.com/'").catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
      expect(page.url()).toBe('app://ferry/index.html');
    } finally {
      await app.close();
      await fsp.rm(home, { recursive: true, force: true });
      await fsp.rm(file, { force: true });
      await fsp.rm(appDir, { recursive: true, force: true });
    }
  }, 120_000);
});
