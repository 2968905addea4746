// Section "wan": Ferry against one TCP stream on a shaped long, fast path (issue 12). The work is
// done by wan-run.mjs in its own process, under `unshare -n` when shaping with tc (root), so the
// namespaces, the veth pair and the qdiscs vanish with it; this module starts it and reports.
import { spawn } from 'node:child_process';
import { fmtBytes } from './report.mjs';
import { baselineLine, pathHeading, probeLine, summariseWan, wanTable } from './wan-report.mjs';
import { canShape, canTun } from './wan-net.mjs';

/** The two paths issue 12 names. */
export const WAN_PRESETS = {
  long: { name: 'long', rttMs: 100, rateBits: 1e9 },
  medium: { name: 'medium', rttMs: 40, rateBits: 400e6 },
};

/** tun where it can run (root, python3, /dev/net/tun): only there does TCP itself see the RTT. */
export function defaultShaper() {
  return canTun() ? 'tun' : canShape() ? 'tbf' : 'proxy';
}

/** Whether this machine can run a shaper, and why not. */
export function shaperProblem(shaper) {
  if (shaper === 'tun' && !canTun()) return '--shaper tun needs root with unshare, nsenter, ip, tc, python3 and /dev/net/tun';
  if (shaper === 'tbf' && !canShape()) return '--shaper tbf needs root with unshare, nsenter, ip and tc';
  return null;
}

const SHAPER_TEXT = {
  tun: 'a TUN link between two private network namespaces (clients | emulators): tc tbf on each end for the rate, tun-link.py delaying every packet by RTT/2 each way (real end-to-end TCP)',
  netns: 'tc tbf on a veth pair between two private network namespaces (clients | emulators) for the rate, a userspace TCP delay proxy on the client side for the delay (TCP split at the proxy)',
  loopback: 'NOT shaped by the kernel: a userspace TCP delay proxy on 127.0.0.1 adds both the delay and the rate (TCP split at the proxy)',
};

export function parseRtt(s) {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/i.exec(String(s).trim());
  if (!m) throw new Error(`not a round-trip time: '${s}' (e.g. 100ms, 0.04s)`);
  return Number(m[1]) * ((m[2] ?? 'ms').toLowerCase() === 's' ? 1000 : 1);
}

export function parseRate(s) {
  const m = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)?$/i.exec(String(s).trim());
  if (!m) throw new Error(`not a rate: '${s}' (e.g. 1gbit, 400mbit, as tc writes them)`);
  const n = Number(m[1]) * { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 }[(m[2] ?? 'bit').toLowerCase()];
  if (n < 1e6) throw new Error(`rate ${s} is below 1 mbit`);
  return n;
}

export async function benchWan(children, o) {
  const cfg = {
    children, file: o.file, size: o.size, runs: o.runs, providers: o.providers, paths: o.paths,
    chunkSize: o.chunkSize, timeoutMs: o.timeoutMs, shaper: o.shaper,
  };
  const runner = new URL('./wan-run.mjs', import.meta.url).pathname;
  const cmd = o.shaper !== 'proxy' ? ['unshare', '-n', process.execPath, runner, JSON.stringify(cfg)] : [process.execPath, runner, JSON.stringify(cfg)];
  o.log(`wan: --shaper ${o.shaper}: ${{ tun: SHAPER_TEXT.tun, tbf: SHAPER_TEXT.netns, proxy: SHAPER_TEXT.loopback }[o.shaper]}`);
  const raw = await new Promise((resolve, reject) => {
    const p = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (b) => { stdout += b; });
    p.on('error', reject);
    p.on('close', (code) => {
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (code !== 0 || !line) reject(new Error(`the WAN runner exited ${code} without a result`));
      else resolve(JSON.parse(line));
    });
  });
  const shaperText = `--shaper ${o.shaper}: ${SHAPER_TEXT[raw.topology]}`;
  const sections = [];
  let failures = 0;
  for (const p of raw.paths) {
    const sums = summariseWan(p, o.size, o.stat);
    p.summary = sums;
    failures += sums.reduce((n, s) => n + s.errors.length, 0);
    sections.push([
      `${pathHeading(p, o.size, shaperText)}.`,
      `Ferry = \`ferry upload\`'s composition root (ours-child), timed as in the upload section; one TCP stream = one curl PUT of the whole ${fmtBytes(o.size)} file to a discard sink on the same path (${o.stat} of ${o.runs} runs each, alternating).${p.tbf ? ` tbf: ${p.tbf}.` : ''}${probeLine(p)}`,
      baselineLine(p, raw.topology === 'tun' ? 'the TUN link' : 'the delay proxy'), '', wanTable(sums),
    ].join('\n'));
  }
  return { raw, failures, text: sections.join('\n\n') };
}
