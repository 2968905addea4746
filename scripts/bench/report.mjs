// The machine description and the markdown tables `npm run bench` prints and docs/benchmarks.md holds.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import { mbps } from './upload-bench.mjs';

const MiB = 1 << 20;
const GiB = 1 << 30;

export function machine() {
  let cpu = 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch { /* not Linux */ }
  const curl = spawnSync('curl', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'curl not found';
  return {
    nproc: availableParallelism(), cpu, memoryGiB: Math.round(totalmem() / GiB * 10) / 10, node: process.version,
    kernel: release(), curl, date: new Date().toISOString(), loadAvgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function machineLine(m) {
  return `${m.nproc} cores (${m.cpu}), ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}, ${m.curl.split(' ').slice(0, 2).join(' ')}; ${m.date}; load average at start ${m.loadAvgAtStart.join(' / ')}${m.loadAvgAtEnd ? `, at end ${m.loadAvgAtEnd.join(' / ')}` : ''}`;
}

export function fmtBytes(n) {
  if (n >= GiB && n % GiB === 0) return `${n / GiB} GiB`;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n % 1_000_000 === 0) return `${n / 1_000_000} MB`;
  return `${(n / MiB).toFixed(2)} MiB`;
}

const pick = (runs, stat) => {
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => a.timedMs - b.timedMs);
  return stat === 'median' ? sorted[Math.floor((sorted.length - 1) / 2)] : sorted[0];
};
const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const mib = (kib) => (kib === null || kib === undefined ? '?' : `${Math.round(kib / 1024)} MiB`);

/** One summary per provider: the chosen run of each side, peak RSS over all runs, median CPU. */
export function summarise(r, size, stat) {
  const ours = pick(r.ours, stat);
  const curl = pick(r.curl, stat);
  const chunk = ours?.chunkSize ?? curl?.chunkSize ?? null;
  const peak = r.ours.length ? Math.max(...r.ours.map((x) => x.maxRssKiB ?? 0)) : null;
  // Issue 12: memory follows what is read from the file at once, not the chunk size.
  const readBuffer = ours?.readBufferBytes ?? null;
  const cpu = median(r.ours.map((x) => x.cpuS));
  const ratio = ours && curl ? mbps(size, ours.timedMs) / mbps(size, curl.timedMs) : null;
  const label = { 'ucloud-chunked': 'ucloud (CHUNKED)', 'tus-nochecksum': 'tus (no Upload-Checksum)' }[r.provider] ?? (r.reference === 'ws' ? `${r.provider} (WEBSOCKET_V2; reference: ws sender, not curl)` : r.provider);
  return {
    provider: label, chunkSize: chunk, runs: { ours: r.ours.length, curl: r.curl.length }, errors: r.errors,
    oursMBps: ours ? mbps(size, ours.timedMs) : null, curlMBps: curl ? mbps(size, curl.timedMs) : null, ratio,
    oursEndToEndMBps: ours ? mbps(size, ours.totalMs) : null,
    prepareS: ours ? ours.prepareMs / 1000 : null, oursPeakRssKiB: peak, readBuffer,
    id: r.provider,
    cpuSPerGiB: cpu === null ? null : cpu / (size / GiB),
    // Below a few hundred MiB the start-up cost swamps the rest; no net figure then.
    cpuNetSPerGiB: cpu === null || r.startup?.cpuS == null || cpu <= r.startup.cpuS ? null : (cpu - r.startup.cpuS) / (size / GiB),
    startupCpuS: r.startup?.cpuS ?? null,
    oursChunksMBps: ours ? mbps(size, ours.chunksMs) : null,
    curlCpuSPerGiB: median(r.curl.map((x) => x.cpuS)) === null ? null : median(r.curl.map((x) => x.cpuS)) / (size / GiB),
    curlPeakRssKiB: r.curl.length ? Math.max(...r.curl.map((x) => x.maxRssKiB ?? 0)) : null,
    requests: { ours: ours?.requests ?? null, curl: curl?.requests ?? null },
  };
}

const f2 = (x) => (x === null || x === undefined ? '–' : x.toFixed(2));
const n0 = (x) => (x === null ? '–' : x.toFixed(0));

export function uploadTable(sums) {
  return [
    '| provider | first chunk | ours MB/s | reference MB/s (curl; UCloud WEBSOCKET_V2: ws sender) | ratio | our peak RSS | our CPU s/GiB |',
    '|---|---|---|---|---|---|---|',
    ...sums.map((s) => `| ${s.provider} | ${s.chunkSize ? fmtBytes(s.chunkSize) : '–'} | ${n0(s.oursMBps)} | ${n0(s.curlMBps)} | ${s.ratio === null ? '–' : s.ratio.toFixed(2)} | ${mib(s.oursPeakRssKiB)} | ${s.cpuSPerGiB === null ? '–' : s.cpuSPerGiB.toFixed(2)} |`),
  ].join('\n');
}

export function uploadDetails(sums) {
  return [
    '| provider | ours end to end MB/s (add → done) | time before the first request (Synapse: MD5 pass) | ours MB/s, chunks only | ratio, chunks only | our CPU s/GiB net of start-up | start-up CPU s (1 MiB upload) | requests ours / curl | curl peak RSS | curl CPU s/GiB | failed runs |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...sums.map((s) => `| ${s.provider} | ${n0(s.oursEndToEndMBps)} | ${s.prepareS === null ? '–' : `${s.prepareS.toFixed(2)} s`} | ${n0(s.oursChunksMBps)} | ${s.oursChunksMBps !== null && s.curlMBps ? (s.oursChunksMBps / s.curlMBps).toFixed(2) : '–'} | ${f2(s.cpuNetSPerGiB)} | ${f2(s.startupCpuS)} | ${s.requests.ours ?? '–'} / ${s.requests.curl ?? '–'} | ${mib(s.curlPeakRssKiB)} | ${f2(s.curlCpuSPerGiB)} | ${s.errors.length ? s.errors.join('; ') : 'none'} |`),
  ].join('\n');
}

export function tusTable(t, size, stat) {
  const rows = ['tus-js-client', 'ours', 'curl'].map((who) => {
    const runs = t[who];
    const best = pick(runs, stat);
    return {
      who, best,
      peak: runs.length ? Math.max(...runs.map((x) => x.maxRssKiB ?? 0)) : null,
      cpu: median(runs.map((x) => x.cpuS)),
    };
  });
  const js = rows[0].best ? mbps(size, rows[0].best.timedMs) : null;
  const label = { 'tus-js-client': 'tus-js-client 4 (Node, file read stream)', ours: 'Ferry (engine + tus client, checksum off)', curl: 'curl (same PATCH requests)' };
  return [
    '| client → @tus/server 2 + @tus/file-store | MB/s | vs tus-js-client | peak RSS | CPU s/GiB |',
    '|---|---|---|---|---|',
    ...rows.map((r) => {
      const m = r.best ? mbps(size, r.best.timedMs) : null;
      return `| ${label[r.who]} | ${n0(m)} | ${m !== null && js ? (m / js).toFixed(2) : '–'} | ${mib(r.peak)} | ${r.cpu === null ? '–' : (r.cpu / (size / GiB)).toFixed(2)} |`;
    }),
  ].join('\n');
}

/** Issue 12's loopback targets: the ratio for UCloud and tus, CPU against the protocol's hashing, memory against the read buffers. */
export function targetsTable(sums, floors) {
  const RATIO_TARGET = { ucloud: 0.95, 'ucloud-chunked': 0.95, tus: 0.95, 'tus-nochecksum': 0.95 };
  // The floor of the protocol each variant speaks: tus without its checksum extension hashes nothing.
  const FLOOR_OF = { 'ucloud-chunked': 'ucloud', 'tus-nochecksum': null };
  const rows = sums.map((s) => {
    const missed = [];
    const rt = RATIO_TARGET[s.id];
    if (rt !== undefined && s.ratio !== null && s.ratio < rt) missed.push(`ratio < ${rt}`);
    const floorId = FLOOR_OF[s.id] === undefined ? s.id : FLOOR_OF[s.id];
    const floor = floors ? (floorId === null ? 0 : floors[floorId]) : undefined;
    const cpuTarget = floor === undefined ? null : floor + 0.6;
    if (cpuTarget !== null && s.cpuNetSPerGiB !== null && s.cpuNetSPerGiB > cpuTarget) missed.push('CPU over');
    const budget = s.readBuffer === null ? null : (3 * s.readBuffer + 80 * MiB) / 1024;
    if (budget !== null && s.oursPeakRssKiB !== null && s.oursPeakRssKiB > budget) missed.push('RSS over');
    const known = rt !== undefined || cpuTarget !== null || budget !== null;
    return `| ${s.provider} | ${s.ratio === null ? '–' : s.ratio.toFixed(2)}${rt !== undefined ? ` (≥ ${rt})` : ''} | ${f2(s.cpuNetSPerGiB)} | ${cpuTarget === null ? '– (run with hash)' : cpuTarget.toFixed(2)} | ${mib(s.oursPeakRssKiB)} | ${s.readBuffer === null ? '–' : fmtBytes(s.readBuffer)} | ${mib(budget)} | ${!known ? '–' : missed.length ? missed.join(', ') : 'met'} |`;
  });
  return [
    '| provider | ratio (target) | our CPU s/GiB net of start-up | target: hashing the protocol requires + 0.6 | peak RSS | read buffers (file bytes held for sending) | budget: 3 × read buffers + 80 MiB | verdict |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
