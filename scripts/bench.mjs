// `npm run bench` (after `npm run build`): Ferry's benchmarks, never part of `npm test`.
//   hash   : scripts/bench-hash.mjs: MD5/SHA-1/CRC32C/quickXorHash speed here, and the hashing
//            each provider's protocol requires (CPU s/GiB), the floor for the upload table's CPU
//   upload : a file (1 GiB by default) to every provider emulator in discard mode, our client
//            against curl sending the same requests in the same run; MB/s, ratio, peak RSS, CPU s/GiB
//   tus    : tus-js-client 4 vs our tus client (and curl) against a real @tus/server 2
//   wan    : (only when asked) a shaped long, fast path: each provider's `ferry upload` against one
//            curl stream of the whole file on the same path (--path long,medium, or --rtt/--rate)
//   sync   : scripts/bench-sync.mjs (folder sync at scale), when present
//   ui     : scripts/bench-ui.mjs, when present
// Usage: npm run bench -- [--only hash,upload,tus,wan,sync,ui] [--size 1GiB] [--runs 3] [--providers box,tus,...]
//                         [--chunk-size N] [--stat best|median] [--curl-body upload-file|data-binary]
//                         [--sync-args="..."] [--ui-args="..."]   (arguments passed on to bench-sync / bench-ui)
//                         [--path long,medium] [--rtt 100ms] [--rate 1gbit] [--shaper tun|tbf|proxy]   (wan)
// Results: tables on stdout, JSON in bench-results/ (gitignored). docs/benchmarks.md explains them.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildChildren } from './bench/build-children.mjs';
import { hasCurl, hasGnuTime } from './bench/measure.mjs';
import { fmtBytes, machine, machineLine, summarise, targetsTable, tusTable, uploadDetails, uploadTable } from './bench/report.mjs';
import { benchTus } from './bench/tus-bench.mjs';
import { benchProvider, makePartsDir } from './bench/upload-bench.mjs';
import { dataFile, dropRunLinks } from './bench/test-file.mjs';
import { benchWan, defaultShaper, parseRate, parseRtt, shaperProblem, WAN_PRESETS } from './bench/wan-bench.mjs';

const root = new URL('..', import.meta.url).pathname;
const PARTS = ['hash', 'upload', 'tus', 'wan', 'sync', 'ui'];
// wan runs only when named: it shapes the network (as root) and takes a while per path.
const DEFAULT_PARTS = ['hash', 'upload', 'tus', 'sync', 'ui'];
const ALL_PROVIDERS = ['ucloud', 'redivis', 'synapse', 'onedrive', 'box', 'tus'];

const OPTIONS = {
  only: { type: 'string', default: DEFAULT_PARTS.join(',') },
  size: { type: 'string', default: '1GiB' },
  runs: { type: 'string', default: '3' },
  providers: { type: 'string', default: ALL_PROVIDERS.join(',') },
  'chunk-size': { type: 'string' },
  stat: { type: 'string', default: 'best' },
  'curl-body': { type: 'string', default: 'upload-file' },
  'hash-args': { type: 'string', default: '' },
  'sync-args': { type: 'string', default: '' },
  'ui-args': { type: 'string', default: '' },
  path: { type: 'string' },
  rtt: { type: 'string' },
  rate: { type: 'string' },
  shaper: { type: 'string' },
  help: { type: 'boolean', default: false },
};
let a;
try {
  ({ values: a } = parseArgs({ options: OPTIONS }));
} catch (e) {
  usage(e.message.split('\n')[0]);
}
if (a.help) {
  process.stdout.write(`${readUsage()}\n`);
  process.exit(0);
}
const only = new Set(a.only.split(',').map((s) => s.trim()).filter(Boolean));
for (const p of only) if (!PARTS.includes(p)) usage(`--only: unknown part '${p}' (parts: ${PARTS.join(', ')})`);
const size = parseSize(a.size);
const runs = Number(a.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) usage('--runs must be a whole number from 1 to 20');
const chunkSize = a['chunk-size'] ? parseSize(a['chunk-size']) : undefined;
if (!['best', 'median'].includes(a.stat)) usage('--stat must be best or median');
if (!['upload-file', 'data-binary'].includes(a['curl-body'])) usage('--curl-body must be upload-file or data-binary');
const providers = a.providers.split(',').map((s) => s.trim()).filter(Boolean);
const wanPaths = only.has('wan') ? wanPathsFrom(a) : [];
const shaper = only.has('wan') ? a.shaper ?? defaultShaper() : null;
if (shaper && !['tun', 'tbf', 'proxy'].includes(shaper)) usage('--shaper must be tun, tbf or proxy');
if (shaper && shaperProblem(shaper)) usage(`${shaperProblem(shaper)}; use --shaper proxy`);

const log = (l) => process.stderr.write(`bench: ${l}\n`);
const info = machine();
const results = { command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), machine: info, size, runs, stat: a.stat, curlBody: a['curl-body'], gnuTime: hasGnuTime, curl: hasCurl };
const sections = [];
let failures = 0;

// The hashing floors first, when the upload table is to be judged against them.
const ran = new Set();
let floors = null;
if (only.has('hash') && only.has('upload')) {
  const out = join(tmpdir(), `ferry-bench-hash-${process.pid}.json`);
  log(`hash: running scripts/bench-hash.mjs ${a['hash-args']} (floors for the upload targets)`);
  const r = await runInherited(join(root, 'scripts', 'bench-hash.mjs'), [...a['hash-args'].split(' ').filter(Boolean), '--json-out', out]);
  results.hash = { code: r.code, output: r.stdout };
  if (r.code !== 0) failures++;
  else floors = JSON.parse(readFileSync(out, 'utf8')).floors;
  rmSync(out, { force: true });
  ran.add('hash');
}

if (only.has('upload') || only.has('tus') || only.has('wan')) {
  if (!existsSync(join(root, 'dist', 'cli', 'ferry.js'))) log('note: dist/ is missing; `npm run bench` builds it first (the bench bundles its own children either way)');
  if (!hasCurl) log('curl not found: the curl baseline is left out (install curl for the ratio)');
  if (!hasGnuTime) log('/usr/bin/time not found: peak RSS comes from the children themselves, CPU time is left out');
  const children = await buildChildren(root);
  const t = performance.now();
  const { path: file, made } = dataFile(size);
  log(`${made ? 'made' : 'reusing'} ${fmtBytes(size)} test file ${file}${made ? ` in ${((performance.now() - t) / 1000).toFixed(1)} s` : ''}`);
  const parts = makePartsDir();
  // Generous: a loaded two-core machine may crawl, but a hung run must still end.
  const timeoutMs = Math.max(120_000, (size / 5e6) * 1000);
  const common = { file, size, runs, chunkSize, parts: parts.dir, body: a['curl-body'], timeoutMs, log };
  try {
    if (only.has('upload')) {
      const raw = [];
      for (const id of providers) raw.push(await benchProvider(children, id, common));
      const sums = raw.map((r) => summarise(r, size, a.stat));
      failures += raw.reduce((n, r) => n + r.errors.length, 0);
      results.upload = { raw, summary: sums };
      sections.push([
        `Upload, ${fmtBytes(size)} to each emulator in discard mode (${a.stat} of ${runs} runs per side; curl bodies from pre-split chunk files on ${parts.tmpfs ? 'tmpfs (/dev/shm)' : 'disk'}):`,
        '', uploadTable(sums), '', uploadDetails(sums), '', 'Against the targets of issue 12:', '', targetsTable(sums, floors),
      ].join('\n'));
    }
    if (only.has('tus')) {
      const tusChunk = chunkSize ?? 16 << 20;
      const t2 = await benchTus(children, { ...common, chunkSize: tusChunk });
      failures += t2.errors.length;
      results.tus = t2;
      sections.push([
        `tus, ${fmtBytes(size)} to @tus/server 2 + @tus/file-store 2 on the same disk, chunk size ${fmtBytes(tusChunk)} (${a.stat} of ${runs} runs each; time from start to success, creation included, except curl: PATCHes only):`,
        '', tusTable(t2, size, a.stat), ...(t2.errors.length ? ['', `Failed runs: ${t2.errors.join('; ')}`] : []),
      ].join('\n'));
    }
    if (only.has('wan')) {
      const w = await benchWan(children, { ...common, providers, paths: wanPaths, shaper, stat: a.stat });
      failures += w.failures;
      results.wan = w.raw;
      sections.push(w.text);
    }
  } finally {
    rmSync(parts.dir, { recursive: true, force: true });
    dropRunLinks();
  }
}

info.loadAvgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
if (sections.length > 0) {
  const text = [`Machine: ${machineLine(info)}`, `Command: ${results.command}`, '', sections.join('\n\n')].join('\n');
  process.stdout.write(`\n${text}\n`);
  results.text = text;
}

for (const [part, script, extra] of [['hash', 'bench-hash.mjs', a['hash-args']], ['sync', 'bench-sync.mjs', a['sync-args']], ['ui', 'bench-ui.mjs', a['ui-args']]]) {
  if (!only.has(part) || ran.has(part)) continue;
  const path = join(root, 'scripts', script);
  if (!existsSync(path)) {
    log(`${part}: scripts/${script} does not exist yet; skipped`);
    continue;
  }
  log(`${part}: running scripts/${script} ${extra}`);
  const r = await runInherited(path, extra.split(' ').filter(Boolean));
  results[part] = { code: r.code, output: r.stdout };
  if (r.code !== 0) failures++;
}

mkdirSync(join(root, 'bench-results'), { recursive: true });
const out = join(root, 'bench-results', `bench-${info.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
log(`results written to ${out}`);
process.exit(failures > 0 ? 1 : 0);

function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB|K|M|G)?$/i.exec(s.trim());
  if (!m) usage(`not a size: '${s}' (e.g. 1GiB, 256MiB, 64MB, 1048576)`);
  const unit = (m[2] ?? 'B').toLowerCase();
  const mult = { b: 1, kib: 1024, mib: 1 << 20, gib: 1 << 30, kb: 1e3, mb: 1e6, gb: 1e9, k: 1024, m: 1 << 20, g: 1 << 30 }[unit];
  const n = Math.round(Number(m[1]) * mult);
  if (n < 1) usage(`size must be at least one byte: '${s}'`);
  return n;
}

/** The WAN paths to run: presets by name, or one custom path from --rtt/--rate. */
function wanPathsFrom(v) {
  try {
    if (v.rtt !== undefined || v.rate !== undefined) {
      if (v.path !== undefined) usage('--path and --rtt/--rate exclude each other');
      return [{ name: 'custom', rttMs: parseRtt(v.rtt ?? '100ms'), rateBits: parseRate(v.rate ?? '1gbit') }];
    }
    return (v.path ?? 'long,medium').split(',').map((s) => s.trim()).filter(Boolean).map((n) => {
      if (!WAN_PRESETS[n]) usage(`--path: unknown path '${n}' (paths: ${Object.keys(WAN_PRESETS).join(', ')})`);
      return WAN_PRESETS[n];
    });
  } catch (e) {
    return usage(e.message);
  }
}

function readUsage() {
  return [
    'Usage: npm run bench -- [--only hash,upload,tus,wan,sync,ui] [--size 1GiB] [--runs 3] [--providers ucloud,redivis,synapse,onedrive,box,tus]',
    '                       [--chunk-size N] [--stat best|median] [--curl-body upload-file|data-binary] [--sync-args="..."] [--ui-args="..."]',
    '                       [--path long,medium] [--rtt 100ms] [--rate 1gbit] [--shaper tun|tbf|proxy]',
    '  default parts: hash,upload,tus,sync,ui; wan runs only when named. wan paths: long = 100 ms, 1gbit; medium = 40 ms, 400mbit',
    '  (default both); --rtt/--rate make one custom path instead. --shaper (docs/benchmarks.md, "WAN"): tun (root, the',
    '  default there: namespaces, TUN link delaying packets, tc tbf), tbf (root: namespaces, tc tbf, delay proxy), proxy (any user).',
  ].join('\n');
}

function usage(msg) {
  process.stderr.write(`bench: ${msg}\n${readUsage()}\n`);
  process.exit(2);
}

/** Runs another bench script with its output shown as it comes, and kept for the JSON. */
function runInherited(script, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
    let stdout = '';
    p.stdout.on('data', (b) => {
      stdout += b;
      process.stdout.write(b);
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout }));
  });
}
