// A TCP delay line for the WAN bench: it sits between a client and a server and releases each
// direction's bytes one-way-delay (RTT / 2) after they arrived, holding up to a bandwidth-delay
// product and more in its own buffer, so one stream can keep a long fat path full.
// Without netem (this kernel has none), this is how latency is added; the rate comes from tc tbf
// on the link behind it (root) or from the proxy itself (`rateBytesPerSec`, when not root).
//
// What it emulates and what not (docs/benchmarks.md, "WAN"): every request and answer crosses
// the delay both ways, and a new connection's first bytes wait one more RTT (the TCP handshake
// the client did not see: its connect() ends at once against this local proxy). TCP itself is
// split here: the client's kernel sees a near-zero RTT, so congestion window growth, slow start
// after idle and window limits of a real long path are not reproduced.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Starts one listener per target. Options:
 *   targets: [{host, port}]  the servers (one listener each, same order)
 *   listenHost               where the listeners bind (default 127.0.0.1)
 *   rttMs                    round-trip time to add (each direction gets half)
 *   rateBytesPerSec          optional: serialise each direction at this rate (shared by all connections)
 *   bufferBytes              bytes one direction of one connection may hold before it stops reading
 *   connectRtt               add one RTT before a new connection's first bytes (default true)
 * Resolves {ports, portFor(targetPort), stats(), close()}.
 */
export async function startDelayProxy(o) {
  const oneWay = (o.rttMs ?? 0) / 2;
  const rate = o.rateBytesPerSec ?? 0;
  const cap = Math.max(1 << 20, o.bufferBytes ?? 16 << 20);
  const listenHost = o.listenHost ?? '127.0.0.1';
  // One link per direction, shared by every connection: a real path serialises all of them.
  const links = { up: { free: 0 }, down: { free: 0 } };
  const stats = { connections: 0, up: 0, down: 0, perTarget: {} };
  const conns = new Set();

  const pump = (d) => {
    if (d.timer || d.dead) return;
    while (d.q.length > 0) {
      if (d.dst.writableNeedDrain) return; // 'drain' calls pump again
      const item = d.q[0];
      const wait = item.at - performance.now();
      if (wait > 0.5) {
        d.timer = setTimeout(() => { d.timer = undefined; pump(d); }, Math.max(1, Math.floor(wait)));
        return;
      }
      d.q.shift();
      if (item.end) { d.dst.end(); continue; }
      d.queued -= item.buf.length;
      d.count(item.buf.length);
      d.dst.write(item.buf);
    }
    if (d.paused && d.queued < cap / 2) { d.paused = false; d.src.resume(); }
  };

  const enqueue = (d, buf) => {
    const now = performance.now();
    let t = now;
    // A connection's first bytes leave once the handshake would have ended.
    if (o.connectRtt !== false && d.up) t = Math.max(t, d.conn.openedAt + 2 * oneWay);
    if (rate > 0 && buf) {
      d.link.free = Math.max(d.link.free, t) + (buf.length * 1000) / rate;
      t = d.link.free;
    }
    d.q.push(buf ? { at: t + oneWay, buf } : { at: Math.max(t, d.lastAt) + oneWay, end: true });
    d.lastAt = t;
    if (buf) {
      d.queued += buf.length;
      if (d.queued >= cap && !d.paused) { d.paused = true; d.src.pause(); }
    }
    pump(d);
  };

  const onConnection = (target, key) => (client) => {
    stats.connections++;
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const conn = { client, upstream, openedAt: performance.now() };
    const mk = (src, dst, up) => ({
      conn, src, dst, up, q: [], queued: 0, lastAt: 0, paused: false, dead: false, timer: undefined,
      link: up ? links.up : links.down,
      count: (n) => {
        if (up) { stats.up += n; stats.perTarget[key].up += n; } else { stats.down += n; stats.perTarget[key].down += n; }
      },
    });
    const dirs = [mk(client, upstream, true), mk(upstream, client, false)];
    conns.add(conn);
    const kill = () => {
      for (const d of dirs) { d.dead = true; clearTimeout(d.timer); d.q.length = 0; }
      client.destroy();
      upstream.destroy();
      conns.delete(conn);
    };
    conn.kill = kill;
    for (const d of dirs) {
      d.src.on('data', (b) => enqueue(d, b));
      d.src.on('end', () => enqueue(d, undefined));
      d.dst.on('drain', () => pump(d));
      d.src.on('error', kill);
      d.src.on('close', () => {
        // Bytes still in the line are delivered first; the other side is ended once they are out.
        d.closed = true;
        if (d.q.length === 0) d.dst.end();
        else d.q.push({ at: d.q.at(-1).at, end: true });
        if (dirs.every((x) => x.closed)) conns.delete(conn);
      });
    }
  };

  const servers = [];
  const ports = [];
  for (const target of o.targets) {
    const key = String(target.port);
    stats.perTarget[key] = { up: 0, down: 0 };
    const server = net.createServer({ allowHalfOpen: true }, onConnection(target, key));
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, listenHost, resolve);
    });
    servers.push(server);
    ports.push(server.address().port);
  }
  return {
    ports,
    host: listenHost,
    portFor: (targetPort) => ports[o.targets.findIndex((t) => t.port === targetPort)],
    stats: () => JSON.parse(JSON.stringify(stats)),
    async close() {
      for (const c of conns) c.kill();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
    },
  };
}

/** A URL on one of the proxied targets, moved onto its listener (non-proxied URLs unchanged). */
export function viaProxy(url, proxy, targets) {
  return url.replace(/^(https?:\/\/)([^/:]+):(\d+)/, (all, scheme, host, port) => {
    const i = targets.findIndex((t) => t.port === Number(port) && t.host === host);
    return i < 0 ? all : `${scheme}${proxy.host}:${proxy.ports[i]}`;
  });
}
