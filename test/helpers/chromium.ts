// Debian Chromium driven by playwright-core: a fresh user-data dir per launch, every request
// beyond 127.0.0.1 aborted, screenshots into test-artifacts/. When Chromium is absent the
// caller skips with `chromiumMissing()` as the visible reason.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set FERRY_CHROMIUM)`;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchChromium(opts: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const userDataDir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    viewport: opts.viewport ?? { width: 1200, height: 760 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort('blockedbyclient');
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await fsp.rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Builds the renderer into `dir` (a private copy, so a concurrent `npm run build` cannot pull it away). */
export async function buildRenderer(dir: string): Promise<string> {
  const root = process.cwd();
  mkdirSync(dir, { recursive: true });
  await build({ bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', entryPoints: [join(root, 'renderer/index.ts')], outfile: join(dir, 'renderer.js'), logLevel: 'warning' });
  for (const f of ['index.html', 'styles.css', 'icon.svg']) cpSync(join(root, 'renderer', f), join(dir, f));
  return dir;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
