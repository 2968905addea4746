// `npm start`: opens the desktop app when Electron's binary is installed; otherwise starts the
// headless host on the sandbox and opens its URL in the default browser, saying why.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ensureDependencies } from './ensure-deps.mjs';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args, opts = {}) => spawn(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
const forward = (child) => {
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
};

// A fresh clone: install first (npm ci; without Electron's binary where it cannot be fetched).
ensureDependencies();

// Always build first (about a second): `npm start` must never run stale bundles.
const built = await new Promise((resolve) => run(process.execPath, ['scripts/build.mjs']).on('exit', resolve));
if (built !== 0) process.exit(built ?? 1);

function electronBinary() {
  const pathFile = `${root}node_modules/electron/path.txt`;
  if (!existsSync(pathFile)) return undefined;
  const bin = `${root}node_modules/electron/dist/${readFileSync(pathFile, 'utf8').trim()}`;
  return existsSync(bin) ? bin : undefined;
}

const electron = electronBinary();
if (electron) {
  forward(run(electron, ['.', ...process.argv.slice(2)]));
} else {
  process.stderr.write(
    'ferry: Electron\'s binary is not installed here (node_modules/electron/dist is missing: the\n' +
    'download was skipped with ELECTRON_SKIP_BINARY_DOWNLOAD or had no network). Starting the\n' +
    'headless host with the built-in sandbox instead; the same window opens in your browser.\n');
  const child = run(process.execPath, ['bin/ferry.js', 'host', ...process.argv.slice(2)], { stdio: ['inherit', 'pipe', 'inherit'] });
  forward(child);
  createInterface({ input: child.stdout }).once('line', (line) => {
    let url;
    try {
      ({ url } = JSON.parse(line));
    } catch {
      process.stdout.write(line + '\n');
      return;
    }
    process.stdout.write(`Ferry is running at:\n  ${url}\n(the link works once: it signs this browser tab in; press Ctrl+C to stop)\n`);
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    const hasDisplay = process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
    if (hasDisplay) spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
  });
}
