// Hostile clients against the UCloud emulator on raw sockets (fault rows 42-46): oversized,
// missing and inconsistent Content-Length answered before the body; a declared 32 MB body that
// never comes, slow headers, a slow drip and idle floods all cut within the idle bound, while
// normal uploads keep working.
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { startUcloudEmulator, type UcloudEmulatorOptions } from '../../app/emulators/ucloud/emulator.js';

const IDLE_MS = 1_000;

interface RawOutcome { text: string; closedAfterMs: number | undefined; socket: net.Socket }

/**
 * Writes `head` on a raw socket, then `drip` (if any) one piece every `everyMs`; settles when the
 * server closes the connection or after `guardMs`, whichever is first (guardMs bounds the test).
 */
function raw(port: number, head: string, o: { drip?: Buffer; everyMs?: number; guardMs?: number } = {}): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let t0 = 0;
    let dripTimer: NodeJS.Timeout | undefined;
    const done = (closed: boolean): void => {
      clearTimeout(guard);
      clearInterval(dripTimer);
      resolve({ text: Buffer.concat(parts).toString('latin1'), closedAfterMs: closed ? Date.now() - t0 : undefined, socket });
    };
    const guard = setTimeout(() => done(false), o.guardMs ?? 5_000);
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => parts.push(c));
    socket.on('close', () => done(true));
    socket.once('connect', () => {
      t0 = Date.now();
      socket.write(head);
      if (o.drip) {
        let i = 0;
        const drip = o.drip;
        dripTimer = setInterval(() => { if (i < drip.length) socket.write(drip.subarray(i, ++i)); }, o.everyMs ?? 100);
      }
    });
  });
}

const chunkHead = (token: string, o: { offset?: number; total?: number; length?: number | null; extra?: string } = {}): string =>
  'POST /ucloud/emulator/chunked/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
  `Chunked-Upload-Token: ${token}\r\nChunked-Upload-Offset: ${o.offset ?? 0}\r\nChunked-Upload-Total-Size: ${o.total ?? 64_000_000}\r\n` +
  (o.length === null ? '' : `Content-Length: ${o.length ?? 32_000_000}\r\n`) + (o.extra ?? '') + '\r\n';

const statusOf = (text: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
const whyOf = (text: string): string => (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { why: string }).why;

describe('UCloud emulator under hostile clients', () => {
  let dir: string;
  let emu: RunningEmulator;
  let port: number;

  const start = async (o: UcloudEmulatorOptions = {}): Promise<void> => {
    emu = await startUcloudEmulator({ dataDir: dir, idleTimeoutMs: IDLE_MS, protocol: 'CHUNKED', ...o });
    port = Number(new URL(emu.url).port);
  };
  const newToken = async (path: string): Promise<string> => {
    const res = await fetch(`${emu.url}/api/files/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ id: path, type: 'FILE', supportedProtocols: ['CHUNKED'], conflictPolicy: 'RENAME' }] }),
    });
    return ((await res.json()) as { responses: { token: string }[] }).responses[0]!.token;
  };
  /** A normal, small, complete upload still works. */
  const normalUpload = async (path: string): Promise<void> => {
    const token = await newToken(path);
    const res = await fetch(`${emu.url}/ucloud/emulator/chunked/upload`, {
      method: 'POST',
      headers: { 'chunked-upload-token': token, 'chunked-upload-offset': '0', 'chunked-upload-total-size': '5' },
      body: Buffer.from('hello'),
    });
    expect(res.status).toBe(200);
    expect((await emu.files()).find((f) => f.path === path)?.size).toBe(5);
  };

  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-ucloud-dos-'));
  });
  afterEach(async () => {
    await emu.close();
    // The emulator may still be finishing a session-table save when it closes: retry briefly.
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  });

  describe('row 44: Content-Length checked before any body byte is read', () => {
    it('over 32,000,000 → 413 {"why"} and the connection is closed, with no body sent', async () => {
      await start();
      const token = await newToken('/1/big.bin');
      const out = await raw(port, chunkHead(token, { length: 32_000_001 }));
      expect(statusOf(out.text)).toBe(413);
      expect(whyOf(out.text)).toMatch(/32000001 bytes is larger than the maximum of 32000000/);
      expect(out.closedAfterMs).toBeDefined();
      expect(emu.stats().bytesReceived).toBe(0);
    });

    it('missing (chunked transfer encoding, or no length at all) → 411 and closed', async () => {
      await start();
      const token = await newToken('/1/nolen.bin');
      const chunked = await raw(port, chunkHead(token, { length: null, extra: 'Transfer-Encoding: chunked\r\n' }));
      expect(statusOf(chunked.text)).toBe(411);
      expect(chunked.closedAfterMs).toBeDefined();
      const none = await raw(port, chunkHead(token, { length: null }));
      expect(statusOf(none.text)).toBe(411);
      expect(whyOf(none.text)).toMatch(/Content-Length is required/);
      expect(emu.stats().bytesReceived).toBe(0);
    });

    it('inconsistent with offset and total → 400 and closed, nothing written', async () => {
      await start();
      const token = await newToken('/1/inc.bin');
      const out = await raw(port, chunkHead(token, { offset: 0, total: 10, length: 20 }));
      expect(statusOf(out.text)).toBe(400);
      expect(whyOf(out.text)).toMatch(/ends past the declared total size of 10 bytes/);
      expect(out.closedAfterMs).toBeDefined();
      expect(emu.stats().bytesReceived).toBe(0);
      await normalUpload('/1/after.bin');
    });
  });

  it('row 46: declared 32,000,000 bytes and none sent → closed within the idle bound, no 32 MB allocated, others served', async () => {
    await start();
    const before = process.memoryUsage();
    const hostile = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const token = await newToken(`/1/dos${i}.bin`);
      return raw(port, chunkHead(token), { guardMs: IDLE_MS * 5 });
    }).map(async (p, i) => {
      // While the hostile connections hang, a normal upload goes through.
      if (i === 0) await normalUpload('/1/during.bin');
      return p;
    }));
    const after = process.memoryUsage();
    for (const h of hostile) {
      expect(h.closedAfterMs).toBeDefined();
      expect(h.closedAfterMs!).toBeLessThan(IDLE_MS * 3);
      expect(h.text).toBe('');
    }
    // Eight declared 32 MB bodies: preallocating them would take 256 MB.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(32_000_000);
    expect(after.rss - before.rss).toBeLessThan(64_000_000);
    expect(emu.stats().bytesReceived).toBe(5);
    await normalUpload('/1/after.bin');
  });

  it('row 42: headers dripped one byte at a time are cut within about the idle bound', async () => {
    await start();
    const out = await raw(port, 'POST /api/files/upload HTTP/1.1\r\n', { drip: Buffer.from('X-Slow: ' + 'a'.repeat(200)), everyMs: 100, guardMs: IDLE_MS * 6 });
    expect(out.closedAfterMs).toBeDefined();
    expect(out.closedAfterMs!).toBeLessThan(IDLE_MS * 3);
    await normalUpload('/1/ok.bin');
  });

  it('row 43: a body dripping 5 B/s is cut by the slow-body guard; the bytes it sent stay', async () => {
    await start({ minBodyBytesPerSec: 100, rateWindowMs: 300 });
    const token = await newToken('/1/drip.bin');
    const out = await raw(port, chunkHead(token, { length: 10_000, total: 10_000 }), { drip: Buffer.alloc(100, 9), everyMs: 200, guardMs: IDLE_MS * 5 });
    expect(out.closedAfterMs).toBeDefined();
    expect(out.closedAfterMs!).toBeLessThan(IDLE_MS * 2);
    expect(emu.stats().bytesReceived).toBeGreaterThan(0);
    await expect.poll(() => fsp.stat(join(dir, 'sessions', `${token}.part`)).then((s) => s.size), { timeout: 2_000 }).toBe(emu.stats().bytesReceived);
  });

  it('row 45: a flood of idle connections is closed after the idle timeout and uploads still work', async () => {
    await start();
    const sockets = await Promise.all(Array.from({ length: 200 }, () => raw(port, '', { guardMs: IDLE_MS * 5 })));
    expect(sockets.filter((s) => s.closedAfterMs === undefined)).toHaveLength(0);
    expect(Math.max(...sockets.map((s) => s.closedAfterMs!))).toBeLessThan(IDLE_MS * 3);
    await normalUpload('/1/flood.bin');
  });
});
