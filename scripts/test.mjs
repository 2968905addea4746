// `npm test`: installs what the tests need, builds, runs vitest once.
// - dependencies: npm ci when node_modules is missing (see ensure-deps.mjs);
// - Chromium for the browser end-to-end tests: Debian's package when running as root with
//   apt-get available; otherwise those tests skip and say why.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { ensureDependencies } from './ensure-deps.mjs';

const root = new URL('..', import.meta.url).pathname;
ensureDependencies();

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!chromium && process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get') && process.env.FERRY_NO_APT !== '1') {
  console.error('ferry: installing Chromium from Debian for the browser tests (apt-get install chromium)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
}

const build = spawnSync(process.execPath, [`${root}scripts/build.mjs`], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// The JSON report feeds one plain closing line ("Tests: N passed, N failed, N skipped") that any
// CI can read, whatever it knows of vitest's own summary.
const report = `${root}node_modules/.cache/ferry-vitest-report.json`;
rmSync(report, { force: true });
const vitest = spawnSync(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
}
process.exit(vitest.status ?? 1);
