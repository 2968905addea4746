// Section "tus": tus-js-client 4 and our client (and curl, for reference) each upload the file to
// a real @tus/server 2 + @tus/file-store 2, started afresh in its own process (store in a new temp
// dir on the same disk) for every run, so every client meets the same empty server.
import { hasCurl, lastJson, runMeasured, startServer } from './measure.mjs';
import { runLink } from './test-file.mjs';
import { mbps, runCurl, runOurs } from './upload-bench.mjs';

const CLIENTS = ['tus-js-client', 'ours', 'curl'];

async function runTusJs(children, o, timeoutMs) {
  const r = await runMeasured(process.execPath, [children['tus-js-child'], JSON.stringify(o)], { timeoutMs });
  if (r.code !== 0) throw new Error(`tus-js-client child exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const j = lastJson(r.stdout, 'tus-js-client');
  if (!j.ok) throw new Error(`tus-js-client failed: ${j.error}`);
  return { timedMs: j.total, maxRssKiB: r.maxRssKiB ?? j.maxRssKiB, cpuS: r.userS !== null ? r.userS + r.sysS : null };
}

export async function benchTus(children, { file, size, runs, chunkSize, parts, body, timeoutMs, log }) {
  const out = { chunkSize, 'tus-js-client': [], ours: [], curl: [], errors: [] };
  for (let r = 1; r <= runs; r++) {
    // Rotate who goes first so that a busy moment on the machine does not always hit the same client.
    const order = CLIENTS.map((_, i) => CLIENTS[(i + r - 1) % CLIENTS.length]).filter((w) => w !== 'curl' || hasCurl);
    for (const who of order) {
      const srv = await startServer(children['tus-server-child'], [], '@tus/server');
      const name = `tus-${who}-${r}.bin`;
      const o = { provider: 'tus', url: srv.info.url, token: '', options: { checksum: 'off' }, file: runLink(file, name), remotePath: `/bench/${name}`, chunkSize };
      try {
        let m;
        if (who === 'tus-js-client') m = await runTusJs(children, { url: o.url, file: o.file, remotePath: o.remotePath, chunkSize }, timeoutMs);
        else if (who === 'ours') {
          m = await runOurs(children, o, timeoutMs);
          // tus-js-client's time runs from start to onSuccess, creation included: compare like with like.
          m.timedMs = m.totalMs;
        } else m = await runCurl(children, o, parts, body, timeoutMs);
        out[who].push(m);
        log(`tus ${who} #${r}: ${mbps(size, m.timedMs).toFixed(0)} MB/s, peak RSS ${m.maxRssKiB === null ? '?' : Math.round(m.maxRssKiB / 1024)} MiB`);
      } catch (e) {
        out.errors.push(`${who} #${r}: ${e.message}`);
        log(`tus ${who} #${r}: FAILED ${e.message}`);
      } finally {
        await srv.stop();
      }
    }
  }
  return out;
}
