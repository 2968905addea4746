import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';

// Target: counts what each connection delivered and echoes every byte back.
interface Target { port: number; got: number[]; ended: boolean[]; closed: boolean[]; server: net.Server }

async function startTarget(): Promise<Target> {
  const t: Target = { port: 0, got: [], ended: [], closed: [], server: net.createServer({ allowHalfOpen: true }) };
  t.server.on('connection', (s) => {
    const i = t.got.push(0) - 1;
    t.ended.push(false);
    t.closed.push(false);
    s.on('close', () => { t.closed[i] = true; });
    s.on('data', (b: Buffer) => { t.got[i]! += b.length; s.write(b); });
    s.on('end', () => { t.ended[i] = true; s.end(); });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', r));
  t.port = (t.server.address() as net.AddressInfo).port;
  return t;
}

interface Outcome { received: number; error?: string; closed: boolean }

/** Sends `size` bytes (then FIN when `end`), collects the echo, settles on close or after `waitMs`. */
function exchange(port: number, size: number, o: { end?: boolean; waitMs?: number } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { received: 0, closed: false };
    const s = net.connect(port, '127.0.0.1');
    const done = (): void => { clearTimeout(timer); s.destroy(); resolve(out); };
    const timer = setTimeout(done, o.waitMs ?? 3_000);
    s.on('data', (b: Buffer) => { out.received += b.length; });
    s.on('error', (e: NodeJS.ErrnoException) => { out.error = e.code; });
    s.on('close', () => { out.closed = true; done(); });
    s.write(Buffer.alloc(size, 7));
    if (o.end ?? true) s.end();
  });
}

describe('fault proxy', () => {
  let target: Target;
  let proxy: FaultProxy;
  beforeEach(async () => {
    target = await startTarget();
    proxy = await startFaultProxy({ targetPort: target.port });
  });
  afterEach(async () => {
    await proxy.close();
    await new Promise<void>((r) => target.server.close(() => r()));
  });

  it('passes bytes both ways and counts them', async () => {
    const out = await exchange(proxy.port, 100_000);
    expect(out).toMatchObject({ received: 100_000, closed: true });
    expect(out.error).toBeUndefined();
    expect(target.got).toEqual([100_000]);
    expect(proxy.bytesUp()).toBe(100_000);
    expect(proxy.bytesDown()).toBe(100_000);
    expect(proxy.connections()).toBe(1);
  });

  it('reset_after(n) delivers exactly n bytes, resets the client, then passes again', async () => {
    await proxy.setMode({ kind: 'reset_after', bytes: 40_000 });
    const cut = await exchange(proxy.port, 100_000);
    expect(cut.error).toBe('ECONNRESET');
    await expect.poll(() => target.closed[0], { timeout: 2_000 }).toBe(true);
    expect(target.got[0]).toBe(40_000);
    const next = await exchange(proxy.port, 1_000);
    expect(next).toMatchObject({ received: 1_000, closed: true });
    expect(next.error).toBeUndefined();
  });

  it('blackhole_after(n) forwards n bytes, then nothing, and keeps the connection open', async () => {
    await proxy.setMode({ kind: 'blackhole_after', bytes: 10_000 });
    const out = await exchange(proxy.port, 50_000, { end: false, waitMs: 400 });
    expect(out.closed).toBe(false);
    expect(target.got[0]).toBe(10_000);
    expect(out.received).toBeLessThanOrEqual(10_000);
    const later = await exchange(proxy.port, 10, { waitMs: 300 });
    expect(later).toMatchObject({ received: 0, closed: false });
    await proxy.setMode({ kind: 'pass' });
    expect(await exchange(proxy.port, 10)).toMatchObject({ received: 10, closed: true });
  });

  it('blackhole_after(0) swallows an open, idle connection as soon as it is used', async () => {
    const s = net.connect(proxy.port, '127.0.0.1');
    let got = 0;
    s.on('data', (b: Buffer) => { got += b.length; });
    s.write('ping');
    await expect.poll(() => got, { timeout: 2_000 }).toBe(4);
    await proxy.setMode({ kind: 'blackhole_after', bytes: 0 });
    s.write('again');
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toBe(4);
    expect(target.got[0]).toBe(4);
    s.destroy();
  });

  it('close_after(n) ends both sides after n bytes', async () => {
    await proxy.setMode({ kind: 'close_after', bytes: 5_000 });
    const out = await exchange(proxy.port, 20_000, { end: false });
    expect(out.closed).toBe(true);
    expect(out.error).toBeUndefined();
    await expect.poll(() => target.ended[0], { timeout: 2_000 }).toBe(true);
    expect(target.got[0]).toBe(5_000);
  });

  it('latency(ms) delays delivery in each direction', async () => {
    await proxy.setMode({ kind: 'latency', ms: 100 });
    const t0 = Date.now();
    const out = await exchange(proxy.port, 10);
    expect(out.received).toBe(10);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('bandwidth(bps) paces the bytes', async () => {
    await proxy.setMode({ kind: 'bandwidth', bytesPerSec: 100_000 });
    const t0 = Date.now();
    const out = await exchange(proxy.port, 30_000);
    expect(out.received).toBe(30_000);
    // 30 kB up and 30 kB down at 100 kB/s each: at least 0.3 s one way plus the echo's tail.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('refuse closes the listener and resets open connections; pass re-opens the same port', async () => {
    const open = net.connect(proxy.port, '127.0.0.1');
    const openClosed = new Promise<string | undefined>((r) => {
      let code: string | undefined;
      open.on('error', (e: NodeJS.ErrnoException) => { code = e.code; });
      open.on('close', () => r(code));
    });
    await new Promise<void>((r) => open.once('connect', () => r()));
    await new Promise((r) => setTimeout(r, 50));
    await proxy.setMode({ kind: 'refuse' });
    expect(await openClosed).toBe('ECONNRESET');
    const refused = await exchange(proxy.port, 10);
    expect(refused.error).toBe('ECONNREFUSED');
    await proxy.setMode({ kind: 'pass' });
    expect(await exchange(proxy.port, 10)).toMatchObject({ received: 10, closed: true });
  });
});
