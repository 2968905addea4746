// Section "wan", the runner: started by bench.mjs (under `unshare -n` when root, see wan-net.mjs)
// with one JSON argument; logs progress on stderr and prints one JSON line with every run.
// For each path (RTT, rate): a baseline first (curl to the sink direct, and through the delay
// proxy or the TUN link with no delay and no shaping), then the path set up, and for each provider
// its emulator (discard mode) across it, alternately our client (`ferry upload`'s composition
// root, ours-child) and one curl PUT of the whole file to the sink on the same path.
import { performance } from 'node:perf_hooks';
import { startDelayProxy, viaProxy } from './delay-proxy.mjs';
import { errorLine, runMeasured, startServer } from './measure.mjs';
import { dataFile, dropRunLinks, runLink } from './test-file.mjs';
import { mbps, runOurs } from './upload-bench.mjs';
import { canShape, canTun, loopbackNet, twoNamespaces } from './wan-net.mjs';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const { children, file, size, runs, providers, paths, chunkSize, timeoutMs } = cfg;
const log = (l) => process.stderr.write(`bench: wan: ${l}\n`);
const sinkScript = new URL('./sink-child.mjs', import.meta.url).pathname;

const useNetns = cfg.shaper === 'tbf' || cfg.shaper === 'tun';
// On the TUN link the delay is in the link itself; otherwise the delay proxy adds it.
const useProxy = cfg.shaper !== 'tun';
if (useNetns && !canShape()) throw new Error(`--shaper ${cfg.shaper} needs root, unshare, nsenter, ip and tc`);
if (cfg.shaper === 'tun' && !canTun()) throw new Error('--shaper tun needs python3 and /dev/net/tun');
const net = useNetns ? await twoNamespaces({ tun: cfg.shaper === 'tun' }) : loopbackNet();
const out = { shaper: cfg.shaper, topology: net.kind, paths: [] };

try {
  for (const path of paths) out.paths.push(await benchPath(path));
} finally {
  net.close();
  dropRunLinks();
}
process.stdout.write(`${JSON.stringify(out)}\n`);

async function benchPath(path) {
  const res = { ...path, baseline: null, tbf: null, providers: [] };
  const sink = await startServer(sinkScript, [useNetns ? '0.0.0.0' : '127.0.0.1'], 'sink', 30_000, net.prefixB);
  const sinkTarget = { host: net.serverHost, port: sink.info.port };
  const bdp = (path.rateBits / 8) * (path.rttMs / 1000);
  // The delay line holds one bandwidth-delay product (what a sender has in flight) plus 4 MiB.
  const bufferBytes = Math.ceil(bdp) + (4 << 20);
  try {
    res.baseline = await baseline(sinkTarget);
    log(`${path.name}: baseline, no delay, no shaping: direct ${res.baseline.directMBps.toFixed(0)} MB/s, through the ${useProxy ? 'delay proxy' : 'TUN link'} ${res.baseline.proxyMBps.toFixed(0)} MB/s`);
    if (useNetns) res.tbf = net.shape(path.rateBits, path.rttMs);
    await net.setDelay(path.rttMs);
    res.probe = await probe(sinkTarget, path, bufferBytes);
    log(`${path.name}: a one-byte PUT on the path takes ${res.probe.totalMs.toFixed(1)} ms (two RTTs: ${2 * path.rttMs} ms)`);
    for (const id of providers) {
      res.providers.push(await benchProvider(id, path, sinkTarget, bufferBytes));
    }
  } finally {
    net.unshape();
    await net.setDelay(0);
    await sink.stop();
  }
  return res;
}

/** curl to the sink, direct and through the proxy (or TUN link) with nothing added: its own ceiling. */
async function baseline(sinkTarget) {
  const direct = await curlStream(`http://${net.directHost}:${sinkTarget.port}/direct`);
  if (!useProxy) {
    const via = await curlStream(`http://${sinkTarget.host}:${sinkTarget.port}/link`);
    return { directMBps: mbps(size, direct.timedMs), proxyMBps: mbps(size, via.timedMs), direct, proxy: via };
  }
  const proxy = await startDelayProxy({ targets: [sinkTarget], rttMs: 0, connectRtt: false, bufferBytes: 16 << 20 });
  try {
    const via = await curlStream(`http://${proxy.host}:${proxy.ports[0]}/proxy`);
    return { directMBps: mbps(size, direct.timedMs), proxyMBps: mbps(size, via.timedMs), direct, proxy: via };
  } finally {
    await proxy.close();
  }
}

/** The path's RTT as a client sees it: the best of three one-byte PUTs (handshake + request). */
async function probe(sinkTarget, path, bufferBytes) {
  const proxy = useProxy
    ? await startDelayProxy({ targets: [sinkTarget], rttMs: path.rttMs, bufferBytes, ...(useNetns ? {} : { rateBytesPerSec: path.rateBits / 8 }) })
    : undefined;
  const url = proxy ? `http://${proxy.host}:${proxy.ports[0]}/probe` : `http://${sinkTarget.host}:${sinkTarget.port}/probe`;
  try {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const r = await runMeasured('curl', ['-sS', '-X', 'PUT', '--data-binary', 'x', '-H', 'Expect:', '-o', '/dev/null', '-w', '%{time_connect} %{time_total}', url], { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`curl probe exited ${r.code}: ${errorLine(r.stderr)}`);
      const [connect, total] = r.stdout.trim().split(' ').map((x) => Number(x) * 1000);
      times.push({ connectMs: connect, totalMs: total });
    }
    return times.sort((a, b) => a.totalMs - b.totalMs)[0];
  } finally {
    await proxy?.close();
  }
}

async function benchProvider(id, path, sinkTarget, bufferBytes) {
  const r = { provider: id, ours: [], stream: [], errors: [], startup: null };
  let emu;
  try {
    emu = await startServer(children['emulator-child'], [id, JSON.stringify({ host: net.serverHost })], `${id} emulator`, 30_000, net.prefixB);
  } catch (e) {
    r.errors.push(`emulator: ${e.message}`);
    return r;
  }
  const { url, origin, token, options } = emu.info;
  // Every origin the client is handed (Box: API and upload service) gets its own listener.
  const emuTargets = [url, ...Object.values(options)].flatMap((v) => {
    const m = /^https?:\/\/([^/:]+):(\d+)/.exec(String(v));
    return m ? [{ host: m[1], port: Number(m[2]) }] : [];
  }).filter((t, i, all) => all.findIndex((x) => x.port === t.port) === i);
  const targets = [...emuTargets, sinkTarget];
  const proxy = useProxy
    ? await startDelayProxy({ targets, rttMs: path.rttMs, bufferBytes, ...(useNetns ? {} : { rateBytesPerSec: path.rateBits / 8 }) })
    : undefined;
  const swap = (v) => (proxy ? viaProxy(String(v), proxy, targets) : String(v));
  const pUrl = swap(url);
  const pOptions = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, swap(v)]));
  const sinkUrl = proxy ? `http://${proxy.host}:${proxy.ports.at(-1)}` : `http://${sinkTarget.host}:${sinkTarget.port}`;
  // On the TUN link every byte to the server's namespace crosses the link: nothing to check.
  const proxiedUp = () => {
    if (!proxy) return Infinity;
    const s = proxy.stats();
    return emuTargets.reduce((n, t) => n + (s.perTarget[String(t.port)]?.up ?? 0), 0);
  };
  try {
    // Start-up cost (process, modules, session, finish) from a 1 MiB upload on the same path,
    // for Ferry's CPU per GiB net of it.
    try {
      const m = await runOurs(children, { provider: id, url: pUrl, token, options: pOptions, file: runLink(dataFile(1 << 20).path, `${id}-wan-startup.bin`), remotePath: `/bench/${id}-wan-${path.name}-startup.bin` }, timeoutMs);
      r.startup = { cpuS: m.cpuS, maxRssKiB: m.maxRssKiB, totalMs: m.totalMs };
    } catch (e) {
      r.errors.push(`start-up run: ${e.message}`);
    }
    for (let i = 1; i <= runs; i++) {
      const order = i % 2 === 1 ? ['ours', 'stream'] : ['stream', 'ours'];
      for (const who of order) {
        const name = `${id}-wan-${path.name}-${who}-${i}.bin`;
        try {
          let m;
          if (who === 'ours') {
            const before = await bytesReceived(origin, token);
            const up0 = proxiedUp();
            m = await runOurs(children, { provider: id, url: pUrl, token, options: pOptions, file: runLink(file, name), remotePath: `/bench/${name}`, ...(chunkSize ? { chunkSize } : {}) }, timeoutMs);
            m.serverBytes = (await bytesReceived(origin, token)) - before;
            m.proxiedBytes = proxy ? proxiedUp() - up0 : null;
            if (m.serverBytes < size) throw new Error(`the emulator received ${m.serverBytes} of ${size} bytes`);
            // A URL the emulator built from its own address would skip the delay: such a run says nothing.
            if (proxy && m.proxiedBytes < size) throw new Error(`only ${m.proxiedBytes} of ${size} bytes crossed the delay proxy (a URL bypassed it)`);
          } else {
            m = await curlStream(`${sinkUrl}/${name}`);
          }
          r[who].push(m);
          log(`${path.name} ${id} ${who === 'ours' ? 'Ferry' : 'one stream'} #${i}: ${mbps(size, m.timedMs).toFixed(1)} MB/s, peak RSS ${m.maxRssKiB === null ? '?' : Math.round(m.maxRssKiB / 1024)} MiB`);
        } catch (e) {
          r.errors.push(`${who} #${i}: ${e.message}`);
          log(`${path.name} ${id} ${who} #${i}: FAILED ${e.message}`);
        }
      }
    }
  } finally {
    await proxy?.close();
    await emu.stop();
  }
  return r;
}

/** One curl PUT of the whole file: one connection, one request, one TCP stream. */
async function curlStream(url) {
  const t0 = performance.now();
  const r = await runMeasured('curl', ['-sS', '-T', file, '-X', 'PUT', '-H', 'Expect:', '-H', 'Content-Type: application/octet-stream',
    '-o', '/dev/null', '-w', '%{http_code} %{size_upload} %{time_total}', url], { timeoutMs });
  if (r.code !== 0) throw new Error(`curl exited ${r.code}: ${errorLine(r.stderr)}`);
  const [status, sent, total] = r.stdout.trim().split(' ');
  if (status !== '200' || Number(sent) !== size) throw new Error(`curl: status ${status}, ${sent} of ${size} bytes sent`);
  // curl's own time (connect → answer), without its process start; ours starts at engine.add.
  return {
    timedMs: Number(total) * 1000, wallMs: performance.now() - t0,
    maxRssKiB: r.maxRssKiB, cpuS: r.userS !== null ? r.userS + r.sysS : null,
  };
}

async function bytesReceived(origin, token) {
  const r = await fetch(`${origin}/_emulator/stats`, { headers: { authorization: `Bearer ${token}` } });
  return (await r.json()).bytesReceived;
}
