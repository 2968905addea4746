// Bundles each process's entry point with esbuild. Type checking is `npm run typecheck`;
// this stays fast (about a second) because `npm ci` runs it through `prepare`.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const out = `${root}dist`;
rmSync(out, { recursive: true, force: true });

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  // ESM bundles still meet the odd CommonJS-style require in dependencies.
  banner: { js: "import { createRequire as __ferryCreateRequire } from 'node:module'; const require = __ferryCreateRequire(import.meta.url);" },
};

const jobs = [];
const entry = (p) => existsSync(`${root}${p}`);

if (entry('app/cli/main.ts')) {
  jobs.push(build({ ...nodeCommon, entryPoints: [`${root}app/cli/main.ts`], outfile: `${out}/cli/ferry.js` }));
}
if (entry('main/main.ts')) {
  jobs.push(build({ ...nodeCommon, entryPoints: [`${root}main/main.ts`], outfile: `${out}/main/main.js`, external: ['electron'] }));
}
if (entry('main/preload.ts')) {
  // Sandboxed preloads must be CommonJS and may only require('electron').
  jobs.push(build({ bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['electron'],
    entryPoints: [`${root}main/preload.ts`], outfile: `${out}/main/preload.cjs`, logLevel: 'warning' }));
}
if (entry('renderer/index.ts')) {
  mkdirSync(`${out}/renderer`, { recursive: true });
  jobs.push(build({ bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', sourcemap: true,
    entryPoints: [`${root}renderer/index.ts`], outfile: `${out}/renderer/renderer.js`, logLevel: 'warning' }));
  for (const f of ['index.html', 'styles.css', 'icon.svg']) {
    if (entry(`renderer/${f}`)) cpSync(`${root}renderer/${f}`, `${out}/renderer/${f}`);
  }
  // The window and tray icon (PNG: Electron's nativeImage does not read SVG); see make-icons.mjs.
  for (const n of [32, 256]) if (entry(`build/icons/${n}x${n}.png`)) cpSync(`${root}build/icons/${n}x${n}.png`, `${out}/renderer/icon-${n}.png`);
}
await Promise.all(jobs);
