// Section "upload": for each provider, its emulator in discard mode in its own process, then
// alternately our client (the engine, in its own process) and curl sending the same requests
// (prepared by curl-prepare, completed by curl-finish, neither timed). UCloud's emulator speaks
// WEBSOCKET_V2, which curl cannot send: its reference is the thinnest ws sender of the same
// messages (ws-prepare, then ws-ref-child, timed). `ucloud-chunked` (asked for by name) runs
// UCloud's CHUNKED protocol against curl; `tus-nochecksum` runs tus with no Upload-Checksum.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, dataFile, runLink } from './test-file.mjs';
import { hasCurl, lastJson, runMeasured, runNode, startServer } from './measure.mjs';

/** A folder for curl's pre-split chunk files: on tmpfs (/dev/shm) when the machine has one. */
export function makePartsDir() {
  const base = existsSync('/dev/shm') ? '/dev/shm' : benchDir();
  return { dir: mkdtempSync(join(base, 'ferry-bench-parts-')), tmpfs: base === '/dev/shm' };
}

export async function runOurs(children, o, timeoutMs) {
  const home = mkdtempSync(join(benchDir(), 'home-'));
  try {
    // FERRY_BENCH_CPU_PROF=<dir>: a V8 CPU profile of our client per run, to see where its CPU goes.
    const prof = process.env.FERRY_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FERRY_BENCH_CPU_PROF}`] : [];
    const r = await runMeasured(process.execPath, [...prof, children['ours-child'], JSON.stringify({ ...o, home })], { timeoutMs });
    if (r.code !== 0) throw new Error(`our client exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const j = lastJson(r.stdout, 'our client');
    if (!j.ok) throw new Error(`our client's upload ended ${j.state}: ${j.error ?? ''}`);
    const prepare = j.createStart;
    const chunks = j.lastChunkEnd - j.firstChunkStart;
    return {
      timedMs: prepare + chunks, prepareMs: prepare, chunksMs: chunks, createMs: j.createEnd - j.createStart,
      finishMs: j.finishEnd !== null ? j.finishEnd - j.finishStart : 0, totalMs: j.total, wallMs: r.wallMs,
      chunkSize: j.chunkSize, chunks: j.chunks, requests: j.requests, verified: j.verified, timeline: j.timeline ?? [], readBufferBytes: j.readBufferBytes ?? null,
      maxRssKiB: r.maxRssKiB ?? j.maxRssKiB, cpuS: r.userS !== null ? r.userS + r.sysS : null,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export async function runCurl(children, o, parts, body, timeoutMs) {
  const config = join(parts, `curl-${process.pid}.cfg`);
  try {
    const prep = await runNode(children['curl-prepare'], [JSON.stringify({ ...o, partsDir: parts, config, body })], 'curl-prepare', timeoutMs);
    const r = await runMeasured('curl', ['-sS', '-K', config], { timeoutMs });
    if (r.code !== 0) throw new Error(`curl exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    const statuses = r.stdout.trim().split('\n').map(Number);
    const bad = statuses.filter((s) => !(s >= 200 && s < 300) && s !== 308);
    if (statuses.length !== prep.requests || bad.length > 0) {
      throw new Error(`curl: ${statuses.length} answers to ${prep.requests} requests, unexpected statuses ${[...new Set(bad)].join(', ')}`);
    }
    if (prep.lastCompletes && ![200, 201].includes(statuses.at(-1))) throw new Error(`curl: the last request answered ${statuses.at(-1)}, not a completed file`);
    if (!prep.lastCompletes) {
      const fin = await runNode(children['curl-finish'], [JSON.stringify(prep)], 'curl-finish', timeoutMs);
      if (!fin.ok) throw new Error(`completing curl's upload failed: ${fin.error}`);
    }
    return {
      timedMs: r.wallMs, requests: prep.requests, chunkSize: prep.chunkSize, setupMs: prep.prepareMs,
      maxRssKiB: r.maxRssKiB, cpuS: r.userS !== null ? r.userS + r.sysS : null,
    };
  } finally {
    rmSync(config, { force: true });
  }
}

/** The WEBSOCKET_V2 reference: session and chunk files untimed, the sender itself measured. */
export async function runWsRef(children, o, parts, timeoutMs) {
  const prep = await runNode(children['ws-prepare'], [JSON.stringify({ ...o, partsDir: parts })], 'ws-prepare', timeoutMs);
  const r = await runMeasured(process.execPath, [children['ws-ref-child'], JSON.stringify(prep)], { timeoutMs });
  if (r.code !== 0) throw new Error(`ws sender exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  const j = lastJson(r.stdout, 'ws sender');
  if (!j.ok) throw new Error(`ws sender failed: ${j.error}`);
  return {
    timedMs: j.total, requests: prep.parts.length, chunkSize: prep.chunkSize, setupMs: prep.prepareMs,
    maxRssKiB: r.maxRssKiB ?? j.maxRssKiB, cpuS: r.userS !== null ? r.userS + r.sysS : null,
  };
}

/** Bench names beyond the providers: the client and emulator they run, and their reference. */
const VARIANTS = {
  ucloud: { provider: 'ucloud', emulator: {}, reference: 'ws' },
  'ucloud-chunked': { provider: 'ucloud', emulator: { protocol: 'CHUNKED' }, reference: 'curl' },
  // tus without the checksum extension (tus-js-client's default: it sends none): what the SHA-1
  // per chunk costs, on the client and on the emulator that verifies it, on the same two cores.
  'tus-nochecksum': { provider: 'tus', emulator: { disabledExtensions: ['checksum'] }, reference: 'curl' },
};

async function bytesReceived(origin, token) {
  const r = await fetch(`${origin}/_emulator/stats`, { headers: { authorization: `Bearer ${token}` } });
  return (await r.json()).bytesReceived;
}

/** One provider: `runs` rounds of ours and curl, alternating which goes first. */
export async function benchProvider(children, id, { file, size, runs, chunkSize, parts, body, timeoutMs, log }) {
  const v = VARIANTS[id] ?? { provider: id, emulator: {}, reference: 'curl' };
  const emu = await startServer(children['emulator-child'], [v.provider, JSON.stringify(v.emulator)], `${id} emulator`);
  const { url, origin, token, options } = emu.info;
  // `curl` holds the reference's runs whichever it is.
  const out = { provider: id, reference: v.reference, ours: [], curl: [], errors: [], startup: null };
  try {
    // Start-up cost (process, modules, session, finish) from a 1 MiB upload, to show CPU per GiB net of it.
    try {
      const tiny = dataFile(1 << 20).path;
      const m = await runOurs(children, { provider: v.provider, url, token, options, file: runLink(tiny, `${id}-startup.bin`), remotePath: `/bench/${id}-startup.bin` }, timeoutMs);
      out.startup = { cpuS: m.cpuS, maxRssKiB: m.maxRssKiB, totalMs: m.totalMs };
    } catch (e) {
      out.errors.push(`start-up run: ${e.message}`);
    }
    for (let r = 1; r <= runs; r++) {
      const order = (r % 2 === 1 ? ['ours', 'curl'] : ['curl', 'ours']).filter((w) => w === 'ours' || hasCurl || v.reference !== 'curl');
      for (const who of order) {
        const name = `${id}-${who}-${r}.bin`;
        const o = { provider: v.provider, url, token, options, file: runLink(file, name), remotePath: `/bench/${name}`, ...(chunkSize ? { chunkSize } : {}) };
        const before = await bytesReceived(origin, token);
        try {
          const m = who === 'ours' ? await runOurs(children, o, timeoutMs)
            : v.reference === 'ws' ? await runWsRef(children, o, parts, timeoutMs) : await runCurl(children, o, parts, body, timeoutMs);
          m.serverBytes = (await bytesReceived(origin, token)) - before;
          if (m.serverBytes < size) throw new Error(`the emulator received ${m.serverBytes} of ${size} bytes`);
          out[who].push(m);
          log(`${id} ${who === 'curl' ? v.reference : who} #${r}: ${mbps(size, m.timedMs).toFixed(0)} MB/s, peak RSS ${m.maxRssKiB === null ? '?' : Math.round(m.maxRssKiB / 1024)} MiB`);
        } catch (e) {
          out.errors.push(`${who} #${r}: ${e.message}`);
          log(`${id} ${who === 'curl' ? v.reference : who} #${r}: FAILED ${e.message}`);
        }
      }
    }
  } finally {
    await emu.stop();
  }
  return out;
}

export function mbps(bytes, ms) {
  return bytes / 1e6 / (ms / 1000);
}
