// A TCP proxy on 127.0.0.1 that sits between a client and a loopback server and misbehaves on
// command: resets, black holes, early FINs, latency, a bandwidth cap, refused connections.
// Budgets (`*_after(n)`) count client→server bytes from the moment the mode is set, across all
// connections, so "reset after 40 % of chunk k" is one setMode call just before chunk k.
import net from 'node:net';

export type ProxyMode =
  | { kind: 'pass' }
  /** RST both sides once n more client→server bytes have passed; then back to pass (one-shot). */
  | { kind: 'reset_after'; bytes: number }
  /**
   * After n more client→server bytes, stop reading and forwarding both ways on every connection
   * that carries a byte afterwards; never close. Stays until the mode changes; connections it
   * swallowed stay swallowed.
   */
  | { kind: 'blackhole_after'; bytes: number }
  /** FIN both sides once n more client→server bytes have passed; then back to pass (one-shot, like a reset). */
  | { kind: 'close_after'; bytes: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'bandwidth'; bytesPerSec: number }
  /** The listener is closed (ECONNREFUSED) and open connections are reset. */
  | { kind: 'refuse' };

export interface FaultProxy {
  port: number;
  url: string;
  /** The proxy port in front of a target port (the main one or one of `alsoTargetPorts`). */
  portFor(targetPort: number): number | undefined;
  /** Resolves once the mode is in force (leaving `refuse` re-opens the listener on the same port). */
  setMode(mode: ProxyMode): Promise<void>;
  bytesUp(): number;
  /** Bytes accepted but not yet forwarded (held back by latency or a bandwidth cap), both ways. */
  inFlight(): number;
  bytesDown(): number;
  /** Connections accepted since start. */
  connections(): number;
  close(): Promise<void>;
}

type Action = 'reset' | 'close' | 'end';
interface Item { at: number; buf?: Buffer; then?: Action }
interface Dir { src: net.Socket; dst: net.Socket; q: Item[]; queued: number; releaseAt: number; timer?: NodeJS.Timeout; up: boolean }
interface Conn { client: net.Socket; upstream: net.Socket; dead: boolean; up: Dir; down: Dir }

const HIGH_WATER = 256 * 1024;

export async function startFaultProxy(o: { targetPort: number; targetHost?: string; alsoTargetPorts?: number[] }): Promise<FaultProxy> {
  let mode: ProxyMode = { kind: 'pass' };
  let budget = Infinity;
  let up = 0, down = 0, accepted = 0;
  const conns = new Set<Conn>();

  const kill = (c: Conn, how: 'reset' | 'close'): void => {
    c.dead = true;
    conns.delete(c);
    for (const d of [c.up, c.down]) { clearTimeout(d.timer); d.q.length = 0; }
    if (how === 'reset') { c.client.resetAndDestroy(); c.upstream.resetAndDestroy(); }
    else { c.client.end(); c.upstream.end(); c.client.destroySoon(); c.upstream.destroySoon(); }
  };

  const pump = (c: Conn, d: Dir): void => {
    if (d.timer || c.dead) return;
    while (d.q.length > 0) {
      const item = d.q[0]!;
      const wait = item.at - Date.now();
      if (wait > 0) { d.timer = setTimeout(() => { d.timer = undefined; pump(c, d); }, wait); return; }
      d.q.shift();
      if (item.then === 'reset' || item.then === 'close') {
        const how = item.then;
        c.dead = true;
        if (!item.buf) return kill(c, how);
        up += item.buf.length;
        // Cut only once the last bytes reached the kernel, so the server reliably holds exactly n.
        d.dst.write(item.buf, () => kill(c, how));
        return;
      }
      if (item.buf) {
        d.queued -= item.buf.length;
        if (d.up) up += item.buf.length; else down += item.buf.length;
        d.dst.write(item.buf);
      }
      if (item.then === 'end') d.dst.end();
    }
    if (d.queued < HIGH_WATER && !d.dst.writableNeedDrain) d.src.resume();
  };

  /** When the bandwidth cap next lets a byte through, each way, for all connections together. */
  const link = { up: 0, down: 0 };
  const enqueue = (c: Conn, d: Dir, buf: Buffer | undefined, then?: Action): void => {
    const now = Date.now();
    let at = Math.max(now, d.releaseAt);
    if (mode.kind === 'latency') at = Math.max(at, now + mode.ms);
    if (mode.kind === 'bandwidth' && buf) {
      // One link shared by every connection, as on a real path: parts in flight share the cap.
      const way = d.up ? 'up' : 'down';
      at = Math.max(at, link[way]) + (buf.length * 1000) / mode.bytesPerSec;
      link[way] = at;
    }
    d.releaseAt = at;
    d.q.push(then ? { at, ...(buf ? { buf } : {}), then } : { at, ...(buf ? { buf } : {}) });
    if (buf) d.queued += buf.length;
    if (d.queued >= HIGH_WATER || d.dst.writableNeedDrain) d.src.pause();
    pump(c, d);
  };

  // Stop reading both ways: the peers' kernel buffers fill and everything stalls.
  const hole = (c: Conn): void => {
    c.dead = true;
    c.client.pause();
    c.upstream.pause();
  };

  const onData = (c: Conn, d: Dir, chunk: Buffer): void => {
    if (c.dead) return;
    // A spent black hole swallows any connection that carries a byte, either way, old or new.
    if (mode.kind === 'blackhole_after' && budget <= 0) return hole(c);
    const limited = mode.kind === 'reset_after' || mode.kind === 'close_after' || mode.kind === 'blackhole_after';
    if (!d.up || !limited || chunk.length < budget) {
      if (d.up && limited) budget -= chunk.length;
      return enqueue(c, d, chunk);
    }
    const head = chunk.subarray(0, budget);
    budget = 0;
    if (mode.kind === 'blackhole_after') {
      enqueue(c, d, head);
      return hole(c);
    }
    enqueue(c, d, head.length ? head : undefined, mode.kind === 'reset_after' ? 'reset' : 'close');
    mode = { kind: 'pass' };
    budget = Infinity;
  };

  const onConnection = (targetPort: number) => (client: net.Socket): void => {
    accepted++;
    if (mode.kind === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ port: targetPort, host: o.targetHost ?? '127.0.0.1', allowHalfOpen: true });
    const mk = (src: net.Socket, dst: net.Socket, isUp: boolean): Dir => ({ src, dst, q: [], queued: 0, releaseAt: 0, up: isUp });
    const c: Conn = { client, upstream, dead: false, up: mk(client, upstream, true), down: mk(upstream, client, false) };
    conns.add(c);
    for (const d of [c.up, c.down]) {
      d.src.on('data', (b: Buffer) => onData(c, d, b));
      d.src.on('end', () => { if (!c.dead) enqueue(c, d, undefined, 'end'); });
      d.dst.on('drain', () => pump(c, d));
      d.src.on('error', () => { if (!c.dead) kill(c, 'reset'); });
      // A side that went away (a client aborting its request) is closed on the other side once the
      // bytes already in flight have landed, as a network would; not left open forever.
      d.src.on('close', () => {
        if (c.dead) return;
        if (d.q.length === 0) {
          c.dead = true;
          d.dst.destroySoon();
          conns.delete(c);
        } else enqueue(c, d, undefined, 'close');
      });
    }
  };

  // One listener per target port (a server on two origins, e.g. Box's API and upload service);
  // all of them share the mode and the byte budget.
  const listeners = [o.targetPort, ...(o.alsoTargetPorts ?? [])].map((target) => ({ target, port: 0, server: undefined as net.Server | undefined }));
  const listen = (l: (typeof listeners)[number]): Promise<void> => new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true }, onConnection(l.target));
    l.server = server;
    server.once('error', reject);
    server.listen(l.port, '127.0.0.1', () => { l.port = (server.address() as net.AddressInfo).port; resolve(); });
  });
  const stopListening = (): Promise<unknown> => Promise.all(listeners.map((l) => new Promise<void>((resolve) => { l.server!.close(() => resolve()); })));
  for (const l of listeners) await listen(l);
  const port = listeners[0]!.port;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    portFor: (target) => listeners.find((l) => l.target === target)?.port,
    async setMode(m) {
      const wasRefusing = mode.kind === 'refuse';
      mode = m;
      budget = 'bytes' in m ? m.bytes : Infinity;
      if (m.kind === 'refuse' && !wasRefusing) {
        for (const c of conns) kill(c, 'reset');
        await stopListening();
      } else if (m.kind !== 'refuse' && wasRefusing) {
        for (const l of listeners) await listen(l);
      }
    },
    bytesUp: () => up,
    inFlight: () => [...conns].reduce((n, c) => n + (c.dead ? 0 : c.up.queued + c.down.queued), 0),
    bytesDown: () => down,
    connections: () => accepted,
    async close() {
      for (const c of conns) kill(c, 'reset');
      if (mode.kind !== 'refuse') await stopListening();
    },
  };
}

/**
 * An emulator endpoint with every loopback port the proxy fronts replaced by its proxy port, in
 * the URL and in URL-valued options (Box's `uploadUrl`), so all of the client's traffic crosses it.
 */
export function throughProxy<E extends { url: string; options: Record<string, string> }>(ep: E, proxy: FaultProxy): E {
  const swap = (v: string): string => v.replace(/^(https?:\/\/(?:127\.0\.0\.1|localhost)):(\d+)/, (all, host: string, p: string) => {
    const to = proxy.portFor(Number(p));
    return to === undefined ? all : `${host}:${to}`;
  });
  return { ...ep, url: swap(ep.url), options: Object.fromEntries(Object.entries(ep.options).map(([k, v]) => [k, swap(v)])) };
}

/** Loopback ports named by an endpoint's URL-valued options (beyond its main URL), for `alsoTargetPorts`. */
export function optionPorts(ep: { options: Record<string, string> }): number[] {
  return Object.values(ep.options).flatMap((v) => {
    const m = /^https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)/.exec(v);
    return m ? [Number(m[1])] : [];
  });
}
