// Installs what Ferry needs when it is missing, so `npm start` and `npm test` work on a fresh
// clone: `npm ci` (falling back to skipping Electron's binary download where it cannot be
// fetched, e.g. a machine without internet), and the bundled build in dist/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export function ensureDependencies() {
  if (existsSync(`${root}node_modules/.package-lock.json`) && existsSync(`${root}node_modules/vitest`)) return;
  console.error('ferry: installing dependencies (npm ci)…');
  const first = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (first.status === 0) return;
  console.error('ferry: npm ci failed (most likely Electron could not download its binary); retrying without the Electron binary.');
  console.error('ferry: the desktop app will not open; the same UI runs in the browser through the headless host instead.');
  const second = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
  if (second.status !== 0) throw new Error('npm ci failed; see the output above');
}

export function ensureBuild() {
  if (existsSync(`${root}dist/cli/ferry.js`) && existsSync(`${root}dist/renderer/index.html`)) return;
  execFileSync(process.execPath, [`${root}scripts/build.mjs`], { stdio: 'inherit' });
}
