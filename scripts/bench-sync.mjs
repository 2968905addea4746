// Folder-sync benchmark: a tree of 100,000 small files in 1,000 folders, synced by a SyncFolder
// with each watcher adapter (chokidar, @parcel/watcher). For each adapter, in fresh child
// processes so peak RSS is per phase:
//   first scan   : empty index → every file hashed and recorded (an engine that finishes at once)
//   restart      : same tree, nothing changed → time to "watching", peak RSS, files queued (must be 0)
//   new file     : latency from a new file's last write to its queueing (default 2 s settle window)
//   idle CPU     : CPU seconds used over a few idle seconds while watching
// Usage: node scripts/bench-sync.mjs [--files N] [--dirs N] [--idle-seconds N] [--adapters chokidar,parcel]
// Run by `npm run bench`; never a timed test.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    dirs: { type: 'string', default: '1000' },
    'idle-seconds': { type: 'string', default: '5' },
    adapters: { type: 'string', default: 'parcel,chokidar' },
    'timeout-s': { type: 'string', default: '900' },
  },
});
const FILES = Number(args.files);
const DIRS = Number(args.dirs);

// The child: bundled from TypeScript sources so it runs in plain node.
const CHILD = `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncFolder } from './app/sync/sync-folder.ts';
import { ChokidarWatcher } from './app/node/watcher-chokidar.ts';
import { ParcelWatcher } from './app/node/watcher-parcel.ts';

const [phase, adapter, tree, state, idleSeconds] = process.argv.slice(2);
let seq = 0;
const engine = {
  async add(req) {
    return req.items.map((it) => ({ id: 't' + (++seq), name: it.remotePath, localPath: it.localPath, targetId: req.targetId, remotePath: it.remotePath,
      provider: 'tus', size: 0, state: { kind: 'done', remotePath: it.remotePath, verified: true }, transferred: 0, speed: 0, createdAt: 0, updatedAt: 0 }));
  },
  settled: async (id) => ({ id, state: { kind: 'done', remotePath: '/B', verified: true } }),
  list: () => [], get: () => undefined, onChange: () => () => {},
  pause: async () => {}, resume: async () => {}, cancel: async () => {}, retry: async () => {}, pauseAll: async () => {}, resumeAll: async () => {},
  clearFinished: async () => {}, start: async () => {}, shutdown: async () => {},
};
const counts = { queued: 0, done: 0, scanned: undefined };
let onQueued;
const t0 = performance.now();
const folder = new SyncFolder(
  { id: 'bench', root: tree, targetId: 't', remoteDir: '/B', stateDir: state, rescanIntervalMs: 0 },
  { engine, watcher: adapter === 'parcel' ? new ParcelWatcher() : new ChokidarWatcher(), log: (l) => process.stderr.write(l + '\\n'),
    onEvent: (e) => {
      if (e.type === 'queued') { counts.queued++; onQueued?.(e); }
      if (e.type === 'done') counts.done++;
      if (e.type === 'scanned' && e.dir === '') counts.scanned = e;
    } },
);
await folder.start();
const ready = performance.now() - t0;
const out = { phase, adapter, readyMs: Math.round(ready) };
if (phase === 'first') {
  while (counts.done < counts.scanned.candidates) await new Promise((r) => setTimeout(r, 50));
  out.totalMs = Math.round(performance.now() - t0);
  out.queued = counts.queued;
} else {
  out.queued = counts.queued;
  out.rssAfterScanMiB = Math.round(process.memoryUsage().rss / 1048576);
  // Idle CPU while watching.
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, Number(idleSeconds) * 1000));
  const c1 = process.cpuUsage(c0);
  out.idleCpuMs = Math.round((c1.user + c1.system) / 1000);
  out.idleSeconds = Number(idleSeconds);
  // New-file latency: last write → queued.
  const got = new Promise((r) => { onQueued = r; });
  const f = join(tree, 'd0', 'new-file.bin');
  writeFileSync(f, 'first part');
  await new Promise((r) => setTimeout(r, 300));
  writeFileSync(f, 'first part and the last write');
  const lastWrite = performance.now();
  await got;
  out.newFileLatencyMs = Math.round(performance.now() - lastWrite);
}
out.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
await folder.stop();
process.stdout.write(JSON.stringify(out) + '\\n');
process.exit(0);
`;

async function bundle() {
  // The child bundle lives under node_modules/.cache so that its bare imports (chokidar, ignore,
  // @parcel/watcher with its native binary) resolve from this checkout; the tree goes to tmp.
  const cache = join(root, 'node_modules', '.cache', 'ferry-bench-sync');
  mkdirSync(cache, { recursive: true });
  const outfile = join(cache, 'child.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-sync-'));
  await build({
    stdin: { contents: CHILD, resolveDir: root, loader: 'ts', sourcefile: 'bench-sync-child.ts' },
    outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning',
    banner: { js: `import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);` },
  });
  return { dir, outfile };
}

function makeTree(tree) {
  const perDir = Math.ceil(FILES / DIRS);
  let n = 0;
  for (let d = 0; d < DIRS && n < FILES; d++) {
    const dir = join(tree, `d${d}`);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < perDir && n < FILES; i++, n++) writeFileSync(join(dir, `f${i}.txt`), `file ${n}\n`);
  }
  return n;
}

function runChild(outfile, ...childArgs) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [outfile, ...childArgs], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
    // A phase that does not finish is reported as such rather than hanging the whole bench.
    const timer = setTimeout(() => p.kill('SIGKILL'), Number(args['timeout-s']) * 1000);
    let text = '';
    p.stdout.on('data', (b) => { text += b; });
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`bench child ${childArgs.slice(0, 2).join(' ')} exited ${code}`));
      else resolve(JSON.parse(text.trim().split('\n').pop()));
    });
  });
}

const { dir, outfile } = await bundle();
try {
  const tree = join(dir, 'tree');
  const t = performance.now();
  const made = makeTree(tree);
  process.stderr.write(`bench-sync: made ${made} files in ${DIRS} folders in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  const rows = [];
  for (const adapter of args.adapters.split(',')) {
    const state = join(dir, `state-${adapter}`);
    try {
      const first = await runChild(outfile, 'first', adapter, tree, state, '0');
      const again = await runChild(outfile, 'restart', adapter, tree, state, args['idle-seconds']);
      rows.push({ adapter, first, again });
    } catch (err) {
      rows.push({ adapter, error: err.message });
    }
    rmSync(join(tree, 'd0', 'new-file.bin'), { force: true });
  }
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const lines = [
    `Folder sync, ${made} files in ${DIRS} folders (settle window 2 s)`,
    '',
    '| watcher | first scan (hash + record all) | first scan peak RSS | restart, nothing changed | restart peak RSS | re-queued on restart | new file: last write → queued | idle CPU |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(({ adapter, first, again, error }) => error ? `| ${adapter} | ${error} | | | | | | |` :
      `| ${adapter} | ${fmt(first.totalMs)} (watching after ${fmt(first.readyMs)}) | ${first.peakRssMiB} MiB | ${fmt(again.readyMs)} | ${again.peakRssMiB} MiB | ${again.queued} | ${fmt(again.newFileLatencyMs)} | ${again.idleCpuMs} ms over ${again.idleSeconds} s |`),
    '',
    'Targets: restart with nothing changed under 10 s and 400 MiB; idle CPU near zero.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
