// Issue 11, item 5 (and the kit's DoS rules): every emulator's `/_emulator/*` debugging routes
// answer only with the emulator's token and a loopback Host header, so a web page that rebinds
// its DNS name to 127.0.0.1 cannot list the user's sandbox uploads.
import { promises as fsp } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { EMULATORS, emulatorOrigin } from '../../app/emulators/registry.js';

function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers, agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
  });
}

describe.each(Object.keys(EMULATORS))('%s emulator: /_emulator routes', (id) => {
  let dir: string;
  let emu: RunningEmulator;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), `ferry-emu-${id}-`));
    emu = await EMULATORS[id as keyof typeof EMULATORS].emulate({ dataDir: dir });
  });
  afterAll(async () => {
    await emu.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('need the token and a loopback Host (no DNS rebinding)', async () => {
    const origin = emulatorOrigin(emu);
    const port = new URL(origin).port;
    const bearer = { authorization: `Bearer ${emu.token}` };
    for (const route of ['/_emulator/files', '/_emulator/stats']) {
      expect(await get(`${origin}${route}`, {}), `${route} without a token`).toBe(401);
      expect(await get(`${origin}${route}`, { authorization: 'Bearer wrong' }), `${route} wrong token`).toBe(401);
      expect(await get(`${origin}${route}`, { ...bearer, host: `rebound.example:${port}` }), `${route} rebound Host`).toBe(421);
      expect(await get(`${origin}${route}`, bearer), `${route} with the token`).toBe(200);
    }
  });
});

/** Row 43: opens a raw connection declaring `declared` bytes and drips one byte every 200 ms (5 B/s). Resolves with ms until the server closed it, or undefined. */
function drip(origin: string, path: string, declared: number, giveUpMs: number): Promise<number | undefined> {
  const u = new URL(origin);
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect(Number(u.port), u.hostname, () => {
      s.write(`POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${declared}\r\n\r\n`);
    });
    const timer = setInterval(() => { if (!s.destroyed) s.write('x'); }, 200);
    const done = (v: number | undefined) => { clearInterval(timer); clearTimeout(giveUp); s.destroy(); resolve(v); };
    const giveUp = setTimeout(() => done(undefined), giveUpMs);
    s.on('data', () => undefined);
    s.on('close', () => done(Date.now() - started));
    s.on('error', () => undefined);
  });
}

describe.each(Object.keys(EMULATORS))('%s emulator: a minimum body rate is on by default (row 43)', (id) => {
  it('cuts a body that drips at 5 B/s within about one rate window, without the provider option', async () => {
    const dir = await fsp.mkdtemp(join(os.tmpdir(), `ferry-drip-${id}-`));
    // A short idle bound so the default window (the idle bound) is short; the drip keeps the socket from idling.
    const emu = await EMULATORS[id as keyof typeof EMULATORS].emulate({ dataDir: dir, idleTimeoutMs: 1000 });
    try {
      const closedAfter = await drip(emulatorOrigin(emu), '/upload', 1000, 5000);
      expect(closedAfter, 'the drip was never cut').toBeDefined();
      expect(closedAfter!).toBeLessThan(3500);
    } finally {
      await emu.close();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});

/** A raw connection: sends `head`, then `drip` one byte every `everyMs`; ms until the server closed it, or undefined. */
function rawConn(origin: string, head: string, o: { drip?: string; everyMs?: number; giveUpMs: number }): Promise<number | undefined> {
  const u = new URL(origin);
  return new Promise((resolve) => {
    const started = Date.now();
    let i = 0;
    const s = connect(Number(u.port), u.hostname, () => { if (head) s.write(head); });
    const timer = o.drip ? setInterval(() => { if (!s.destroyed && i < o.drip!.length) s.write(o.drip![i++]!); }, o.everyMs ?? 100) : undefined;
    const done = (v: number | undefined) => { clearInterval(timer); clearTimeout(giveUp); s.destroy(); resolve(v); };
    const giveUp = setTimeout(() => done(undefined), o.giveUpMs);
    s.on('data', () => undefined);
    s.on('close', () => done(Date.now() - started));
    s.on('error', () => undefined);
  });
}

describe.each(Object.keys(EMULATORS))('%s emulator: the kit\'s DoS rules (rows 42, 45, 46)', (id) => {
  const IDLE_MS = 1000;
  let dir: string;
  let emu: RunningEmulator;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), `ferry-dos-${id}-`));
    emu = await EMULATORS[id as keyof typeof EMULATORS].emulate({ dataDir: dir, idleTimeoutMs: IDLE_MS });
  });
  afterAll(async () => {
    await emu.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });
  const stillServes = async () => expect(await get(`${emulatorOrigin(emu)}/_emulator/stats`, { authorization: `Bearer ${emu.token}` })).toBe(200);

  it('row 42: headers dripped a byte at a time are cut within about the idle bound', async () => {
    const closed = await rawConn(emulatorOrigin(emu), 'POST /upload HTTP/1.1\r\n', { drip: `X-Slow: ${'a'.repeat(200)}`, everyMs: 100, giveUpMs: IDLE_MS * 6 });
    expect(closed).toBeDefined();
    expect(closed!).toBeLessThan(IDLE_MS * 3);
    await stillServes();
  });

  it('row 45: a flood of idle connections is closed after the idle bound, and the server still answers', async () => {
    const all = await Promise.all(Array.from({ length: 100 }, () => rawConn(emulatorOrigin(emu), '', { giveUpMs: IDLE_MS * 5 })));
    expect(all.filter((c) => c === undefined)).toHaveLength(0);
    expect(Math.max(...all.map((c) => c!))).toBeLessThan(IDLE_MS * 3);
    await stillServes();
  });

  it('row 46: a declared 32,000,000-byte body that never comes is closed within the idle bound, without allocating it', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const u = new URL(emulatorOrigin(emu));
    const closed = await Promise.all(Array.from({ length: 4 }, () => rawConn(emulatorOrigin(emu),
      `PUT /upload HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${emu.token}\r\nContent-Length: 32000000\r\n\r\n`, { giveUpMs: IDLE_MS * 5 })));
    for (const c of closed) {
      expect(c).toBeDefined();
      expect(c!).toBeLessThan(IDLE_MS * 3);
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32_000_000);
    await stillServes();
  });
});

describe('the kit on a keep-alive connection', () => {
  it('the body-rate guard leaves nothing behind per request: 30 uploads on one socket raise no listener-leak warning', async () => {
    const dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-emu-keepalive-'));
    const emu = await EMULATORS.tus.emulate({ dataDir: dir });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    try {
      for (let i = 0; i < 30; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = request(`${emulatorOrigin(emu)}/no-such-route`, { method: 'POST', agent, headers: { 'content-length': '5' } }, (res) => {
            sockets.add(req.socket);
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', reject);
          req.end('hello');
        });
      }
      // Warnings are emitted on a later tick.
      await new Promise((r) => setTimeout(r, 20));
      expect(sockets.size, 'one socket kept alive for every request').toBe(1);
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      agent.destroy();
      await emu.close();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
