// The network a WAN bench run crosses. As root: the runner is already in a fresh network
// namespace (bench.mjs starts it under `unshare -n`), which holds the clients and curl (and the
// delay proxy, --shaper tbf); a second one (held by a shell under `unshare -n`) holds the
// emulators and the sink. Two namespaces because traffic between two addresses of one namespace
// always takes `lo`, where one tbf would shape every hop (the proxy's too) and both directions.
// A veth pair always joins them (10.77.0.1 | .2: the unshaped "direct" path of the baseline).
//   --shaper tun: a second link, two TUN devices (10.78.0.1 | .2) joined by tun-link.py, which
//                 delays every packet by RTT / 2 each way; tc tbf on each TUN is the rate.
//   --shaper tbf: tc tbf on the veth ends is the rate; the delay proxy (client side) the delay.
// Everything dies with the processes (runner, holder, tun-link): nothing is left on the machine.
// Not root (--shaper proxy): plain loopback, and the proxy keeps both the delay and the rate.
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const A = '10.77.0.1';
const B = '10.77.0.2';
const TUN_A = '10.78.0.1';
const TUN_B = '10.78.0.2';
// Room for a long fat path's window in every socket of both namespaces (per-namespace sysctls).
const TCP_MEM = '4096 131072 67108864';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return r.stdout;
}

/** Whether this process may build the namespaces (root, with unshare and tc). */
export function canShape() {
  return process.getuid?.() === 0 && ['unshare', 'tc', 'ip', 'nsenter'].every((c) => spawnSync('which', [c]).status === 0);
}

/** Whether the TUN link can run too (python3, /dev/net/tun). */
export function canTun() {
  return canShape() && spawnSync('python3', ['-c', 'import fcntl, select']).status === 0 && spawnSync('test', ['-c', '/dev/net/tun']).status === 0;
}

export function loopbackNet() {
  return { kind: 'loopback', serverHost: '127.0.0.1', directHost: '127.0.0.1', prefixB: [], shape() {}, async setDelay() {}, unshape() {}, close() {} };
}

/** Called inside the runner's own fresh namespace (A); `tun`: add the TUN link and serve over it. */
export async function twoNamespaces({ tun = false } = {}) {
  run('ip', ['link', 'set', 'lo', 'up']);
  const own = readlinkSync('/proc/self/ns/net');
  // The holder is a shell waiting on its stdin: if this runner dies, however, the pipe closes and
  // the holder (and with it the namespace) goes too.
  const holder = spawn('unshare', ['-n', 'sh', '-c', 'read x'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const pid = holder.pid;
  const deadline = Date.now() + 5000;
  // unshare execs sh once the namespace is made: wait until the pid's namespace is not ours.
  while (safeReadlink(`/proc/${pid}/ns/net`) === own || safeReadlink(`/proc/${pid}/ns/net`) === null) {
    if (Date.now() > deadline) throw new Error('the server namespace did not come up within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  const inB = (cmd, args) => run('nsenter', ['-t', String(pid), '-n', cmd, ...args]);
  try {
    run('ip', ['link', 'add', 'fwA', 'type', 'veth', 'peer', 'name', 'fwB', 'netns', String(pid)]);
    run('ip', ['addr', 'add', `${A}/30`, 'dev', 'fwA']);
    run('ip', ['link', 'set', 'fwA', 'up']);
    inB('ip', ['link', 'set', 'lo', 'up']);
    inB('ip', ['addr', 'add', `${B}/30`, 'dev', 'fwB']);
    inB('ip', ['link', 'set', 'fwB', 'up']);
    for (const k of ['tcp_wmem', 'tcp_rmem']) {
      writeFileSync(`/proc/sys/net/ipv4/${k}`, TCP_MEM);
      inB('sh', ['-c', `echo '${TCP_MEM}' > /proc/sys/net/ipv4/${k}`]);
    }
  } catch (e) {
    holder.stdin.end();
    holder.kill('SIGKILL');
    throw e;
  }
  let wire;
  if (tun) {
    try {
      wire = await startTunLink(pid, inB);
    } catch (e) {
      holder.stdin.end();
      holder.kill('SIGKILL');
      throw e;
    }
  }
  const [devA, devB] = tun ? ['tunA', 'tunB'] : ['fwA', 'fwB'];
  let shaped = false;
  return {
    kind: tun ? 'tun' : 'netns', serverHost: tun ? TUN_B : B, directHost: B, prefixB: ['nsenter', '-t', String(pid), '-n'],
    /** tbf on both ends: A's egress is the uplink (client → server), B's the downlink. */
    shape(rateBits, rttMs) {
      const p = tbfParams(rateBits, tun ? rttMs : 0);
      run('tc', ['qdisc', 'replace', 'dev', devA, 'root', 'tbf', ...p]);
      inB('tc', ['qdisc', 'replace', 'dev', devB, 'root', 'tbf', ...p]);
      shaped = true;
      return `${p.join(' ')} on ${devA} and ${devB}`;
    },
    async setDelay(rttMs) {
      if (wire) await wire.setDelay(rttMs / 2);
    },
    unshape() {
      if (!shaped) return;
      run('tc', ['qdisc', 'del', 'dev', devA, 'root']);
      inB('tc', ['qdisc', 'del', 'dev', devB, 'root']);
      shaped = false;
    },
    close() {
      wire?.close();
      holder.stdin.end();
      holder.kill('SIGKILL');
    },
  };
}

/** tun-link.py in this namespace; tunB moved into the server's (pid) once both exist. */
async function startTunLink(pid, inB) {
  const script = new URL('./tun-link.py', import.meta.url).pathname;
  const p = spawn('python3', [script, 'tunA', 'tunB'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: p.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = (what) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tun-link.py: no '${what}' within 5 s`)), 5000);
    waiting.push((l) => { clearTimeout(t); resolve(l); });
  });
  const ready = await next('ready');
  if (ready !== 'ready') throw new Error(`tun-link.py: ${ready}`);
  run('ip', ['link', 'set', 'tunB', 'netns', String(pid)]);
  run('ip', ['addr', 'add', TUN_A, 'peer', TUN_B, 'dev', 'tunA']);
  run('ip', ['link', 'set', 'tunA', 'up']);
  inB('ip', ['addr', 'add', TUN_B, 'peer', TUN_A, 'dev', 'tunB']);
  inB('ip', ['link', 'set', 'tunB', 'up']);
  return {
    async setDelay(ms) {
      const echoed = next('delay');
      p.stdin.write(`delay ${ms}\n`);
      await echoed;
    },
    close() {
      p.stdin.end();
    },
  };
}

/**
 * tbf's bucket holds 10 ms at the rate (at least 256 KiB: a GSO packet is up to 64 KiB and the
 * kernel's timer tick must not starve the bucket). Its queue, the bottleneck's buffer:
 * behind the delay proxy (rttMs 0) 10 ms, as the veth hop has no delay and TCP there recovers
 * from a drop at once; on the TUN link half the RTT (half a bandwidth-delay product: what one
 * CUBIC stream needs to keep the link busy through a loss, without doubling the RTT when full).
 */
export function tbfParams(rateBits, rttMs = 0) {
  const bytesPerSec = rateBits / 8;
  const burst = Math.max(256 << 10, Math.round(bytesPerSec / 100));
  return ['rate', `${Math.round(rateBits)}bit`, 'burst', String(burst), 'latency', `${Math.max(10, Math.round(rttMs / 2))}ms`];
}

function safeReadlink(p) {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}
