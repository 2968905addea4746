// UI benchmark: 10,000 transfers in the queue, every one of them updated 4 times a second, in
// headless Debian Chromium. Reports p50/p95/max of the time to apply an update (fold the delta
// into the store) and of apply + render + paint (until the frame that shows it is done).
// The page gets a fake `window.ferry` (the desktop bridge) so only the renderer is measured.
// Usage: node scripts/bench-ui.mjs [--rows 10000] [--updates 40]
import { build } from 'esbuild';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium } from 'playwright-core';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROWS = arg('rows', 10_000);
const UPDATES = arg('updates', 40);
const CHROMIUM = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.log(`bench-ui: skipped, Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  process.exit(0);
}

const root = new URL('..', import.meta.url).pathname;
const web = mkdtempSync(join(tmpdir(), 'ferry-bench-ui-'));
await build({ bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', entryPoints: [join(root, 'renderer/index.ts')], outfile: join(web, 'renderer.js'), logLevel: 'warning' });
for (const f of ['index.html', 'styles.css']) cpSync(join(root, 'renderer', f), join(web, f));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const server = createServer((req, res) => {
  const name = req.url === '/' ? 'index.html' : req.url.slice(1);
  if (!/^[a-z.-]+$/.test(name) || !existsSync(join(web, name))) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': types[extname(name)] ?? 'application/octet-stream' }).end(readFileSync(join(web, name)));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

// The fake desktop bridge, installed before the renderer runs.
function fakeBridge(rows) {
  const listeners = {};
  const view = (i, transferred) => ({
    id: `t${i}`, name: `clip-${String(i).padStart(5, '0')}.mov`, localPath: `/footage/clip-${i}.mov`, targetId: 'sbx',
    remotePath: `/footage/clip-${i}.mov`, provider: 'ucloud', size: 4 * 1024 ** 3, state: { kind: 'uploading', offset: transferred },
    transferred, speed: 50 * 1024 ** 2 + i, createdAt: i, updatedAt: transferred,
  });
  const ok = (value) => Promise.resolve({ ok: true, value });
  const api = {
    'app:info': () => ok({ shell: 'desktop', version: 'bench', platform: 'linux', nativeDialog: true, tokenStorage: 'os' }),
    'targets:list': () => ok([{ id: 'sbx', name: 'Sandbox', provider: 'ucloud', url: 'http://127.0.0.1:1', remoteRoot: '/', conflict: 'rename', options: {}, sandbox: true, hasToken: true }]),
    'folders:list': () => ok([]),
    'transfers:list': () => ok(Array.from({ length: rows }, (_, i) => view(i, 0))),
    pathForFile: () => '',
  };
  for (const e of ['transfers:changed', 'targets:changed', 'folders:changed']) {
    api[e] = (l) => { (listeners[e] ??= []).push(l); return () => undefined; };
  }
  window.ferry = new Proxy(api, { get: (t, k) => t[k] ?? (() => ok(null)) });
  window.__bench = {
    makeDelta: (step) => ({ reset: false, remove: [], upsert: Array.from({ length: rows }, (_, i) => view(i, step * 1024 * 1024 + i)) }),
    emit: (d) => listeners['transfers:changed'].forEach((l) => l(d)),
  };
}

const userDataDir = mkdtempSync(join(tmpdir(), 'ferry-bench-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM, headless: true, viewport: { width: 1200, height: 800 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.addInitScript(fakeBridge, ROWS);
  await page.goto(url);
  await page.waitForFunction((n) => window.ferryApp && window.ferryApp.store.rows.size === n, ROWS);
  const samples = await page.evaluate(async (updates) => {
    const out = [];
    for (let step = 1; step <= updates; step++) {
      const delta = window.__bench.makeDelta(step);
      const t0 = performance.now();
      window.__bench.emit(delta);
      const applied = performance.now() - t0;
      // The list renders in the next animation frame; a message posted from a later rAF
      // callback arrives once that frame has been produced.
      const painted = await new Promise((resolve) => requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => resolve(performance.now() - t0);
        ch.port2.postMessage(0);
      }));
      out.push({ applied, painted });
      await new Promise((r) => setTimeout(r, 250));
    }
    return out;
  }, UPDATES);
  const visible = await page.locator('.row:not([hidden])').count();
  const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  const row = (label, xs) => `${label.padEnd(24)}${pct(xs, 50).toFixed(1).padStart(8)}${pct(xs, 95).toFixed(1).padStart(8)}${Math.max(...xs).toFixed(1).padStart(8)}`;
  const painted = samples.map((s) => s.painted);
  console.log(`UI benchmark: ${ROWS} rows, all updated every 250 ms, ${UPDATES} updates, ${visible} rows in the DOM (Chromium ${context.browser()?.version() ?? ''})`);
  console.log(`${'ms'.padEnd(24)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'max'.padStart(8)}`);
  console.log(row('apply update', samples.map((s) => s.applied)));
  console.log(row('apply + render + paint', painted));
  console.log(`target p95 < 16 ms: ${pct(painted, 95) < 16 ? 'met' : 'NOT met'}`);
} finally {
  await context.close();
  server.close();
  rmSync(web, { recursive: true, force: true });
  rmSync(userDataDir, { recursive: true, force: true });
}
