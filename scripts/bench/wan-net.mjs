// The network a WAN bench run crosses. As root: the runner is already in a fresh network
// namespace (bench.mjs starts it under `unshare -n`), which holds the clients, curl and the delay
// proxy; a second one (held by a `sleep` under `unshare -n`) holds the emulators and the sink;
// a veth pair joins them, and `tc tbf` on each end is the link's rate, one per direction. Two
// namespaces because traffic between two addresses of one namespace always takes `lo`, where a
// single tbf would also slow the proxy's hop to the server: the data would cross it twice.
// Everything dies with the two processes: nothing is left on the machine.
// Not root (or no unshare): plain loopback, and the proxy itself keeps the rate.
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';

const A = '10.77.0.1';
const B = '10.77.0.2';
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

export function loopbackNet() {
  return { kind: 'loopback', serverHost: '127.0.0.1', prefixB: [], shape() {}, unshape() {}, close() {} };
}

/** Called inside the runner's own fresh namespace (A). */
export async function twoNamespaces() {
  run('ip', ['link', 'set', 'lo', 'up']);
  const own = readlinkSync('/proc/self/ns/net');
  const holder = spawn('unshare', ['-n', 'sleep', '1000000'], { stdio: 'ignore' });
  const pid = holder.pid;
  const deadline = Date.now() + 5000;
  // unshare execs sleep once the namespace is made: wait until the pid's namespace is not ours.
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
    holder.kill('SIGKILL');
    throw e;
  }
  let shaped = false;
  return {
    kind: 'netns', serverHost: B, clientHost: A, prefixB: ['nsenter', '-t', String(pid), '-n'],
    /** tbf on both ends: fwA's egress is the uplink (client → server), fwB's the downlink. */
    shape(rateBits) {
      const p = tbfParams(rateBits);
      run('tc', ['qdisc', 'replace', 'dev', 'fwA', 'root', 'tbf', ...p]);
      inB('tc', ['qdisc', 'replace', 'dev', 'fwB', 'root', 'tbf', ...p]);
      shaped = true;
      return p.join(' ');
    },
    unshape() {
      if (!shaped) return;
      run('tc', ['qdisc', 'del', 'dev', 'fwA', 'root']);
      inB('tc', ['qdisc', 'del', 'dev', 'fwB', 'root']);
      shaped = false;
    },
    close() {
      holder.kill('SIGKILL');
    },
  };
}

/**
 * tbf's bucket holds 10 ms at the rate (at least 256 KiB: a GSO packet on veth is up to 64 KiB and
 * the kernel's timer tick must not starve the bucket), and its queue 10 ms, so that a full queue
 * adds little to the path's RTT. The veth hop itself has no delay: TCP there recovers from a
 * tbf drop in well under a millisecond.
 */
export function tbfParams(rateBits) {
  const bytesPerSec = rateBits / 8;
  const burst = Math.max(256 << 10, Math.round(bytesPerSec / 100));
  return ['rate', `${Math.round(rateBits)}bit`, 'burst', String(burst), 'latency', '10ms'];
}

function safeReadlink(p) {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}
