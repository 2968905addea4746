// Renders renderer/icon.svg to the PNGs the packagers and the tray want (build/icon.png at
// 512 px for electron-builder; build/icons/<n>x<n>.png for Linux and the tray), with the
// headless Chromium the tests use. The PNGs are committed: the build machine has no network and
// electron-builder only reads files. Run after changing the SVG: `node scripts/make-icons.mjs`.
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
const svg = readFileSync(`${root}renderer/icon.svg`, 'utf8');
mkdirSync(`${root}build/icons`, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
for (const size of [16, 32, 48, 64, 128, 256, 512]) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('width="64" height="64"', `width="${size}" height="${size}"`)}</body></html>`);
  const shot = { omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } };
  await page.screenshot({ ...shot, path: `${root}build/icons/${size}x${size}.png` });
  if (size === 512) await page.screenshot({ ...shot, path: `${root}build/icon.png` });
}
await browser.close();
