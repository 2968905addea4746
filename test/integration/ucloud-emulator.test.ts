// The UCloud emulator spoken to directly over HTTP: createUpload, the CHUNKED endpoint's
// header/offset/commit rules, conflict policies, sessions and their expiry (protocols.md §1.5).
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { request } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emulatorAdminHeaders, type RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { startUcloudEmulator, type UcloudEmulatorOptions } from '../../app/emulators/ucloud/emulator.js';

interface Reply { status: number; body: any; headers: Record<string, string | string[] | undefined> }

function call(url: string, o: { method?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
    const req = request(url, { method: o.method ?? 'POST', headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...o.headers }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('test request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('UCloud emulator', () => {
  let dir: string;
  let emu: RunningEmulator | undefined;
  let clock: number;
  const now = (): number => clock;

  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-ucloud-emu-'));
    clock = 1_700_000_000_000;
  });
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
    await fsp.rm(dir, { recursive: true, force: true });
  });

  const start = async (o: UcloudEmulatorOptions & { discard?: boolean } = {}): Promise<RunningEmulator> => {
    emu = await startUcloudEmulator({ dataDir: dir, now, idleTimeoutMs: 5_000, protocol: 'CHUNKED', ...o });
    return emu;
  };
  const createUpload = (e: RunningEmulator, items: unknown[], token = e.token): Promise<Reply> =>
    call(`${e.url}/api/files/upload`, { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
  const fileItem = (id: string, conflictPolicy = 'RENAME'): unknown => ({ id, type: 'FILE', supportedProtocols: ['CHUNKED'], conflictPolicy });
  const session = async (e: RunningEmulator, id: string, policy = 'RENAME'): Promise<{ endpoint: string; token: string }> => {
    const r = await createUpload(e, [fileItem(id, policy)]);
    expect(r.status).toBe(200);
    return r.body.responses[0];
  };
  const chunk = (s: { endpoint: string; token: string }, offset: number | string, data: Buffer, total?: number): Promise<Reply> =>
    call(s.endpoint, { headers: { 'chunked-upload-token': s.token, 'chunked-upload-offset': String(offset), ...(total === undefined ? {} : { 'chunked-upload-total-size': String(total) }) }, body: data });
  const stored = (p: string): Promise<Buffer> => fsp.readFile(join(dir, 'files', p));
  const partSize = (token: string): Promise<number> => fsp.stat(join(dir, 'sessions', `${token}.part`)).then((st) => st.size, () => -1);

  describe('createUpload', () => {
    it('answers a CHUNKED session per item, in order, at the documented endpoint', async () => {
      const e = await start();
      const r = await createUpload(e, [fileItem('/123/a.bin'), fileItem('/123/b.bin', 'REPLACE')]);
      expect(r.status).toBe(200);
      expect(r.body.responses).toHaveLength(2);
      for (const x of r.body.responses) {
        expect(x).toEqual({ endpoint: `${e.url}/ucloud/emulator/chunked/upload`, protocol: 'CHUNKED', token: expect.stringMatching(/^[0-9a-f]{40}$/) });
      }
      expect(r.body.responses[0].token).not.toBe(r.body.responses[1].token);
      expect(e.stats().sessionsCreated).toBe(2);
    });

    it('refuses a missing or wrong bearer token with 401 {"why"}', async () => {
      const e = await start();
      const wrong = await createUpload(e, [fileItem('/1/a')], 'nope');
      expect(wrong.status).toBe(401);
      expect(wrong.body.why).toMatch(/token/i);
      const none = await call(`${e.url}/api/files/upload`, { body: JSON.stringify({ items: [fileItem('/1/a')] }) });
      expect(none.status).toBe(401);
      expect(e.stats().sessionsCreated).toBe(0);
    });

    it('enforces BulkRequest bounds, protocol negotiation and the FOLDER rule with 400 {"why"}', async () => {
      const e = await start();
      expect(await createUpload(e, [])).toMatchObject({ status: 400, body: { why: 'Request must not be empty' } });
      const many = Array.from({ length: 1001 }, (_, i) => fileItem(`/1/f${i}`));
      expect(await createUpload(e, many)).toMatchObject({ status: 400, body: { why: 'Request cannot exceed 1000 items' } });
      const ws = { id: '/1/a', type: 'FILE', supportedProtocols: ['WEBSOCKET_V2'], conflictPolicy: 'RENAME' };
      expect(await createUpload(e, [ws])).toMatchObject({ status: 400, body: { why: 'Upload protocol not supported' } });
      const folder = { id: '/1/dir', type: 'FOLDER', supportedProtocols: ['CHUNKED'], conflictPolicy: 'RENAME' };
      expect((await createUpload(e, [folder])).status).toBe(400);
      const bad = await createUpload(e, [{ id: '/1/../etc', type: 'FILE', supportedProtocols: ['CHUNKED'], conflictPolicy: 'RENAME' }]);
      expect(bad.status).toBe(400);
      expect(bad.body.why).toContain('..');
      // All-or-nothing: a bad second item means no session for the first.
      expect((await createUpload(e, [fileItem('/1/ok'), { ...(fileItem('/1/x') as object), conflictPolicy: 'KEEP' }])).status).toBe(400);
      expect(e.stats().sessionsCreated).toBe(0);
    });
  });

  describe('chunks', () => {
    it('rejects missing headers with IM1\'s exact 400 texts and an unknown token with 404', async () => {
      const e = await start();
      const s = await session(e, '/1/f.bin');
      const url = s.endpoint;
      const b = Buffer.from('abc');
      expect(await call(url, { headers: { 'chunked-upload-token': s.token, 'chunked-upload-total-size': '3' }, body: b })).toMatchObject({ status: 400, body: { why: 'Missing or invalid offset' } });
      expect(await call(url, { headers: { 'chunked-upload-token': s.token, 'chunked-upload-offset': 'x', 'chunked-upload-total-size': '3' }, body: b })).toMatchObject({ status: 400, body: { why: 'Missing or invalid offset' } });
      expect(await call(url, { headers: { 'chunked-upload-offset': '0', 'chunked-upload-total-size': '3' }, body: b })).toMatchObject({ status: 400, body: { why: 'Missing or invalid token' } });
      expect(await chunk(s, 0, b)).toMatchObject({ status: 400, body: { why: 'Missing total size' } });
      expect(await chunk({ ...s, token: 'f'.repeat(40) }, 0, b, 3)).toMatchObject({ status: 404, body: { why: 'Invalid token supplied' } });
      expect(e.stats().bytesReceived).toBe(0);
      expect(await chunk(s, 0, b, 3)).toMatchObject({ status: 200, body: {} });
      expect(await stored('/1/f.bin')).toEqual(b);
    });

    it('without IM1 mode a chunk may omit the total once the session knows it', async () => {
      const e = await start({ requireTotalSize: false });
      const s = await session(e, '/1/f.bin');
      expect((await chunk(s, 0, Buffer.from('ab'), 4)).status).toBe(200);
      expect((await chunk(s, 2, Buffer.from('cd'))).status).toBe(200);
      expect((await stored('/1/f.bin')).toString()).toBe('abcd');
    });

    it('overwrites inside the file, appends at its end or at -1, and refuses a gap without writing', async () => {
      const e = await start();
      const s = await session(e, '/1/f.txt');
      expect((await chunk(s, 0, Buffer.from('aaaaaaaaaa'), 16)).status).toBe(200);
      expect((await chunk(s, 4, Buffer.from('BB'), 16)).status).toBe(200);
      expect((await chunk(s, 10, Buffer.from('cc'), 16)).status).toBe(200);
      const gap = await chunk(s, 13, Buffer.from('zz'), 16);
      expect(gap.status).toBe(400);
      expect(gap.body.why).toMatch(/offset 13.*holds 12 bytes/);
      expect((await chunk(s, -1, Buffer.from('dd'), 16)).status).toBe(200);
      expect((await chunk(s, -1, Buffer.from('ee'), 16)).status).toBe(200);
      expect((await stored('/1/f.txt')).toString()).toBe('aaaaBBaaaaccddee');
    });

    it('with offsetGap "allow" a chunk may start past the end (the gap reads as zeros)', async () => {
      const e = await start({ offsetGap: 'allow' });
      const s = await session(e, '/1/g.bin');
      expect((await chunk(s, 0, Buffer.from([1]), 4)).status).toBe(200);
      expect((await chunk(s, 2, Buffer.from([3, 4]), 4)).status).toBe(200);
      expect([...(await stored('/1/g.bin'))]).toEqual([1, 0, 3, 4]);
    });

    it('commits on the chunk that reaches the total and invalidates the token', async () => {
      const e = await start();
      const s = await session(e, '/123/folder/file.bin');
      const data = randomBytes(300_000);
      expect((await chunk(s, 0, data.subarray(0, 200_000), data.length)).status).toBe(200);
      expect(await e.files()).toEqual([]);
      expect((await chunk(s, 200_000, data.subarray(200_000), data.length)).status).toBe(200);
      expect(await e.files()).toEqual([{ path: '/123/folder/file.bin', size: data.length, sha256: sha(data) }]);
      const listed = await call(`${e.url}/_emulator/files`, { method: 'GET', headers: emulatorAdminHeaders(e) });
      expect(listed.body).toEqual([{ path: '/123/folder/file.bin', size: data.length, sha256: sha(data) }]);
      expect(await chunk(s, 0, data.subarray(0, 10), data.length)).toMatchObject({ status: 404, body: { why: 'Invalid token supplied' } });
      expect(await fsp.readdir(join(dir, 'sessions')).then((l) => l.filter((n) => n.endsWith('.part')))).toEqual([]);
    });

    it('applies the conflict policies: RENAME → "name (1).ext", REPLACE, REJECT → 409 {"why"}', async () => {
      const e = await start();
      const put = async (policy: string, text: string): Promise<Reply> => chunk(await session(e, '/1/d/report.txt', policy), 0, Buffer.from(text), text.length);
      expect((await put('RENAME', 'first')).status).toBe(200);
      expect((await put('RENAME', 'second')).status).toBe(200);
      expect((await put('RENAME', 'third')).status).toBe(200);
      expect((await stored('/1/d/report (1).txt')).toString()).toBe('second');
      expect((await stored('/1/d/report (2).txt')).toString()).toBe('third');
      expect((await put('REPLACE', 'replaced')).status).toBe(200);
      expect((await stored('/1/d/report.txt')).toString()).toBe('replaced');
      const rejected = await put('REJECT', 'never');
      expect(rejected.status).toBe(409);
      expect(rejected.body.why).toContain('/1/d/report.txt');
      expect((await stored('/1/d/report.txt')).toString()).toBe('replaced');
      expect((await e.files()).map((f) => f.path)).toEqual(['/1/d/report (1).txt', '/1/d/report (2).txt', '/1/d/report.txt']);
    });

    it('commits an empty file on a 0-length chunk with total 0, unless finalizeEmpty is off', async () => {
      const e = await start();
      expect((await chunk(await session(e, '/1/empty'), 0, Buffer.alloc(0), 0)).status).toBe(200);
      expect(await e.files()).toEqual([{ path: '/1/empty', size: 0, sha256: sha(Buffer.alloc(0)) }]);
      await e.close();
      const off = await start({ finalizeEmpty: false });
      expect((await chunk(await session(off, '/1/empty2'), 0, Buffer.alloc(0), 0)).status).toBe(200);
      expect((await off.files()).map((f) => f.path)).toEqual(['/1/empty']);
    });
  });

  describe('interrupted and parallel chunks', () => {
    /** Sends the headers of a `declared`-byte chunk and `sent` bytes of it on a raw socket, left open. */
    const openChunk = async (e: RunningEmulator, s: { token: string }, offset: number, declared: number, total: number, data: Buffer): Promise<net.Socket> => {
      const sock = net.connect(Number(new URL(e.url).port), '127.0.0.1');
      sock.on('error', () => undefined);
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.write(`POST /ucloud/emulator/chunked/upload HTTP/1.1\r\nHost: x\r\nChunked-Upload-Token: ${s.token}\r\nChunked-Upload-Offset: ${offset}\r\nChunked-Upload-Total-Size: ${total}\r\nContent-Length: ${declared}\r\n\r\n`);
      sock.write(data);
      return sock;
    };

    it('keeps the bytes of a chunk cut mid-body; re-sending the whole chunk gives a byte-identical file (row 47)', async () => {
      const e = await start();
      const data = randomBytes(50_000);
      const s = await session(e, '/1/r47.bin');
      expect((await chunk(s, 0, data.subarray(0, 20_000), data.length)).status).toBe(200);
      const sock = await openChunk(e, s, 20_000, 20_000, data.length, data.subarray(20_000, 28_000));
      await expect.poll(() => partSize(s.token), { timeout: 5_000 }).toBe(28_000);
      sock.destroy();
      await new Promise((r) => setTimeout(r, 50));
      expect(await partSize(s.token)).toBe(28_000);
      expect((await chunk(s, 20_000, data.subarray(20_000, 40_000), data.length)).status).toBe(200);
      expect((await chunk(s, 40_000, data.subarray(40_000), data.length)).status).toBe(200);
      expect(await stored('/1/r47.bin')).toEqual(data);
    });

    it('rejects a parallel chunk on the same token with 409 {"why"} and does not write it', async () => {
      const e = await start({ parallelWaitMs: 200 });
      const s = await session(e, '/1/p.bin');
      const sock = await openChunk(e, s, 0, 1_000, 2_000, Buffer.alloc(100, 1));
      await expect.poll(() => partSize(s.token), { timeout: 5_000 }).toBe(100);
      const second = await chunk(s, 0, Buffer.alloc(1_000, 2), 2_000);
      expect(second.status).toBe(409);
      expect(second.body.why).toMatch(/one at a time/);
      sock.write(Buffer.alloc(900, 1));
      await expect.poll(() => partSize(s.token), { timeout: 5_000 }).toBe(1_000);
      sock.destroy();
      expect((await chunk(s, 1_000, Buffer.alloc(1_000, 3), 2_000)).status).toBe(200);
      expect(await stored('/1/p.bin')).toEqual(Buffer.concat([Buffer.alloc(1_000, 1), Buffer.alloc(1_000, 3)]));
    });

    it('in "serialise" mode a parallel chunk waits its turn', async () => {
      const e = await start({ parallel: 'serialise' });
      const s = await session(e, '/1/q.bin');
      const sock = await openChunk(e, s, 0, 1_000, 2_000, Buffer.alloc(500, 1));
      await expect.poll(() => partSize(s.token), { timeout: 5_000 }).toBe(500);
      const second = chunk(s, 1_000, Buffer.alloc(1_000, 2), 2_000);
      await new Promise((r) => setTimeout(r, 100));
      expect(await partSize(s.token)).toBe(500);
      sock.write(Buffer.alloc(500, 1));
      expect((await second).status).toBe(200);
      sock.destroy();
      expect(await stored('/1/q.bin')).toEqual(Buffer.concat([Buffer.alloc(1_000, 1), Buffer.alloc(1_000, 2)]));
    });

    it('honours the kit\'s truncate and commit-then-reset faults', async () => {
      const e = await start();
      const data = randomBytes(10_000);
      const s = await session(e, '/1/t.bin');
      e.inject({ path: '/chunked/upload', action: { kind: 'truncate', bytes: 3_000 } });
      await expect(chunk(s, 0, data.subarray(0, 6_000), data.length)).rejects.toThrow();
      expect(await partSize(s.token)).toBe(3_000);
      e.inject({ path: '/chunked/upload', action: { kind: 'commit-then-reset' } });
      await expect(chunk(s, 0, data.subarray(0, 6_000), data.length)).rejects.toThrow();
      expect(await partSize(s.token)).toBe(6_000);
      expect((await chunk(s, 6_000, data.subarray(6_000), data.length)).status).toBe(200);
      expect(await stored('/1/t.bin')).toEqual(data);
    });
  });

  describe('sessions', () => {
    it('live 30 min after the last activity at least, then answer 404 {"why"} once idle past sessionIdleMs', async () => {
      const e = await start({ sessionIdleMs: 60 * 60_000 });
      const s = await session(e, '/1/x.bin');
      clock += 30 * 60_000;
      expect((await chunk(s, 0, Buffer.from('ab'), 4)).status).toBe(200);
      clock += 60 * 60_000;
      expect((await chunk(s, 2, Buffer.from('c'), 4)).status).toBe(200);
      clock += 60 * 60_000 + 1;
      expect(await chunk(s, 3, Buffer.from('d'), 4)).toMatchObject({ status: 404, body: { why: 'Upload session is no longer valid' } });
      expect(await chunk(s, 3, Buffer.from('d'), 4)).toMatchObject({ status: 404, body: { why: 'Invalid token supplied' } });
      expect(await partSize(s.token)).toBe(-1);
      expect(await e.files()).toEqual([]);
    });

    it('end at sessionMaxAgeMs even when active', async () => {
      const e = await start({ sessionMaxAgeMs: 3 * 3600_000 });
      const s = await session(e, '/1/y.bin');
      for (let i = 0; i < 3; i++) {
        clock += 55 * 60_000;
        expect((await chunk(s, i, Buffer.from('a'), 10)).status).toBe(200);
      }
      clock += 20 * 60_000;
      expect((await chunk(s, 3, Buffer.from('a'), 10)).status).toBe(404);
    });

    it('default to 48 h and refuse lifetimes under the guaranteed 30 min', async () => {
      const e = await start();
      const s = await session(e, '/1/z.bin');
      clock += 48 * 3600_000;
      expect((await chunk(s, 0, Buffer.from('a'), 1)).status).toBe(200);
      const s2 = await session(e, '/1/z2.bin');
      clock += 48 * 3600_000 + 1;
      expect((await chunk(s2, 0, Buffer.from('a'), 1)).status).toBe(404);
      await expect(startUcloudEmulator({ dataDir: dir, sessionIdleMs: 29 * 60_000 })).rejects.toThrow(/at least 30 minutes/);
    });

    it('survive an emulator restart on the same data directory', async () => {
      const e = await start();
      const data = randomBytes(4_000);
      const s = await session(e, '/1/again.bin');
      expect((await chunk(s, 0, data.subarray(0, 1_500), data.length)).status).toBe(200);
      await e.close();
      const e2 = await start();
      const moved = { ...s, endpoint: s.endpoint.replace(new URL(s.endpoint).origin, e2.url) };
      const gap = await chunk(moved, 2_000, data.subarray(2_000), data.length);
      expect(gap.body.why).toMatch(/holds 1500 bytes/);
      expect((await chunk(moved, 1_500, data.subarray(1_500), data.length)).status).toBe(200);
      expect(await stored('/1/again.bin')).toEqual(data);
    });
  });

  it('discard mode checks the protocol, counts the bytes and stores nothing', async () => {
    const e = await start({ discard: true });
    const data = randomBytes(100_000);
    const s = await session(e, '/9/bench.bin');
    expect((await chunk(s, 0, data.subarray(0, 60_000), data.length)).status).toBe(200);
    expect((await chunk(s, 70_000, data.subarray(60_000), data.length)).status).toBe(400);
    expect((await chunk(s, 60_000, data.subarray(60_000), data.length)).status).toBe(200);
    expect(await e.files()).toEqual([{ path: '/9/bench.bin', size: data.length, sha256: null }]);
    expect(e.stats().bytesReceived).toBe(data.length);
    expect(await fsp.readdir(dir)).toEqual([]);
  });
});
