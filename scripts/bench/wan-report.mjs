// The WAN section's summary and tables: per path, Ferry against one TCP stream on the same path.
import { mbps } from './upload-bench.mjs';

const GiB = 1 << 30;
const pick = (runs, stat) => {
  if (runs.length === 0) return undefined;
  const s = [...runs].sort((a, b) => a.timedMs - b.timedMs);
  return stat === 'median' ? s[Math.floor((s.length - 1) / 2)] : s[0];
};
const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const peak = (runs) => (runs.length ? Math.max(...runs.map((x) => x.maxRssKiB ?? 0)) : null);
const n1 = (x) => (x === null || x === undefined ? '–' : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined ? '–' : x.toFixed(2));
const mib = (kib) => (kib === null || kib === undefined ? '?' : `${Math.round(kib / 1024)} MiB`);

/** What a path could give at best: the whole file at the link's rate, plus handshake and request RTTs. */
export function idealMBps(size, path) {
  return mbps(size, (size / (path.rateBits / 8)) * 1000 + 2 * path.rttMs);
}

export function summariseWan(p, size, stat) {
  return p.providers.map((r) => {
    const ours = pick(r.ours, stat);
    const stream = pick(r.stream, stat);
    const oursMBps = ours ? mbps(size, ours.timedMs) : null;
    const streamMBps = stream ? mbps(size, stream.timedMs) : null;
    const cpu = median(r.ours.map((x) => x.cpuS));
    const scpu = median(r.stream.map((x) => x.cpuS));
    return {
      provider: r.provider, chunkSize: ours?.chunkSize ?? null, chunks: ours?.chunks ?? null, requests: ours?.requests ?? null,
      oursMBps, streamMBps, ratio: oursMBps !== null && streamMBps ? oursMBps / streamMBps : null,
      oursEndToEndMBps: ours ? mbps(size, ours.totalMs) : null,
      oursCpuSPerGiB: cpu === null ? null : cpu / (size / GiB), oursPeakRssKiB: peak(r.ours),
      // Below a few hundred MiB the start-up cost swamps the rest; no net figure then.
      oursCpuNetSPerGiB: cpu === null || r.startup?.cpuS == null || cpu <= r.startup.cpuS ? null : (cpu - r.startup.cpuS) / (size / GiB),
      startupCpuS: r.startup?.cpuS ?? null,
      streamCpuSPerGiB: scpu === null ? null : scpu / (size / GiB), streamPeakRssKiB: peak(r.stream),
      runs: { ours: r.ours.length, stream: r.stream.length }, errors: r.errors,
    };
  });
}

export function pathHeading(p, size, shaperText) {
  const rate = p.rateBits >= 1e9 ? `${p.rateBits / 1e9} Gbit/s` : `${p.rateBits / 1e6} Mbit/s`;
  return `WAN path "${p.name}": RTT ${p.rttMs} ms, ${rate} (${(p.rateBits / 8e6).toFixed(1)} MB/s; ${(size / 2 ** 20).toFixed(0)} MiB at that rate plus two RTTs, no slow start: ${idealMBps(size, p).toFixed(1)} MB/s), ${shaperText}`;
}

export function wanTable(sums) {
  return [
    '| provider | Ferry MB/s | one TCP stream MB/s | ratio | Ferry end to end MB/s | Ferry CPU s/GiB (net of start-up) | Ferry peak RSS | stream CPU s/GiB | stream peak RSS | chunk × chunks, requests | failed runs |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...sums.map((s) => `| ${s.provider} | ${n1(s.oursMBps)} | ${n1(s.streamMBps)} | ${s.ratio === null ? '–' : s.ratio.toFixed(2)} | ${n1(s.oursEndToEndMBps)} | ${f2(s.oursCpuSPerGiB)} (${f2(s.oursCpuNetSPerGiB)}) | ${mib(s.oursPeakRssKiB)} | ${f2(s.streamCpuSPerGiB)} | ${mib(s.streamPeakRssKiB)} | ${s.chunkSize ? `${(s.chunkSize / 2 ** 20).toFixed(s.chunkSize % 2 ** 20 ? 2 : 0)} MiB × ${s.chunks}, ${s.requests}` : '–'} | ${s.errors.length ? s.errors.join('; ') : 'none'} |`),
  ].join('\n');
}

export function probeLine(p) {
  if (!p.probe) return '';
  return ` Measured on the path: a one-byte PUT (handshake + request) takes ${p.probe.totalMs.toFixed(1)} ms, TCP connect ${p.probe.connectMs.toFixed(1)} ms (expected ${2 * p.rttMs} and ${p.rttMs} ms; the delay proxy's connect is local, ~0).`;
}

export function baselineLine(p, via) {
  const b = p.baseline;
  if (!b) return 'Baseline: not measured.';
  const link = p.rateBits / 8e6;
  const verdict = b.proxyMBps >= 2 * link ? 'is not the bottleneck' : `MAY BE THE BOTTLENECK (under twice the link's ${link.toFixed(0)} MB/s)`;
  return `Baseline (curl to the sink, no delay, no shaping): direct ${b.directMBps.toFixed(0)} MB/s, through ${via} ${b.proxyMBps.toFixed(0)} MB/s: ${via} ${verdict}.`;
}
