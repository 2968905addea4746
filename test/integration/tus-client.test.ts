// Our tus client against two servers: our emulator and the real @tus/server + @tus/file-store.
// Every case checks the stored bytes on the server's disk, the error code the engine keys on,
// and the requests the client made.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { Provider, Session } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { createTusProvider } from '../../app/providers/tus/client.js';
import { startTusEmulator } from '../../app/emulators/tus/emulator.js';
import { driveUpload, startRealTusServer, tusJob } from '../helpers/tus-server.js';
import { systemClock } from '../../app/node/system-clock.js';

const CHUNK = 64 * 1024;
const signal = new AbortController().signal;

interface Backend {
  endpoint: string;
  token: string;
  /** Stored bytes of a finished upload. */
  stored(session: Session, remotePath: string): Promise<Buffer>;
  /** Next PATCH keeps `bytes` of its body (Infinity: all), then the connection drops unanswered. */
  cutNextPatch(bytes: number): void;
  /** Bytes an interrupted PATCH leaves behind when `bytes` of it arrived. */
  keptOfCut(bytes: number): number;
  requests(): { method: string; path: string; status: number }[];
  /** Make every open upload expire. */
  expire(): Promise<void>;
  close(): Promise<void>;
}

interface BackendFactory {
  name: string;
  start(o: { expiring?: boolean; maxSize?: number }): Promise<Backend>;
}

const emulatorBackend: BackendFactory = {
  name: 'our emulator',
  async start(o) {
    const dataDir = await fsp.mkdtemp(join(tmpdir(), 'ferry-tus-emu-'));
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const emu = await startTusEmulator({ dataDir, now: () => clock, expirationMs: 60_000, ...(o.maxSize !== undefined ? { maxSize: o.maxSize } : {}) });
    return {
      endpoint: emu.url,
      token: emu.token,
      stored: (_s, remotePath) => fsp.readFile(join(dataDir, 'files', remotePath)),
      cutNextPatch: (bytes) => emu.inject({ method: 'PATCH', action: bytes === Infinity ? { kind: 'commit-then-reset' } : { kind: 'truncate', bytes } }),
      // The client sends Upload-Checksum to this server, and a checksummed body that ends early is discarded.
      keptOfCut: () => 0,
      requests: () => emu.requests(),
      expire: async () => { clock += 61_000; },
      close: async () => { await emu.close(); await fsp.rm(dataDir, { recursive: true, force: true }); },
    };
  },
};

const realServerBackend: BackendFactory = {
  name: '@tus/server + @tus/file-store',
  async start(o) {
    const expirationMs = 400;
    const srv = await startRealTusServer({ ...(o.expiring ? { expirationMs } : {}), ...(o.maxSize !== undefined ? { maxSize: o.maxSize } : {}) });
    return {
      endpoint: srv.url,
      // @tus/server has no auth; the client's bearer header must not bother it.
      token: 'not-checked-by-tus-server',
      stored: (s) => srv.read((s.ref as { url: string }).url),
      cutNextPatch: (bytes) => srv.cutNextPatch(bytes),
      keptOfCut: (bytes) => bytes,
      requests: () => srv.requests,
      // @tus/file-store expires by the real clock, from creation.
      expire: () => new Promise((r) => setTimeout(r, expirationMs + 150)),
      close: () => srv.close(),
    };
  },
};

describe.each([emulatorBackend, realServerBackend])('tus client against $name', (factory) => {
  let backend: Backend;
  let http: UndiciHttp;
  let provider: Provider;
  beforeAll(async () => {
    backend = await factory.start({});
  });
  afterAll(async () => {
    await backend.close();
  });
  const fresh = (): Provider => {
    http = new UndiciHttp({ idleTimeoutMs: 10_000 });
    provider = createTusProvider({ clock: systemClock, endpoint: { url: backend.endpoint, token: backend.token }, http });
    return provider;
  };
  afterEach(async () => {
    await http?.close();
  });

  it.each([
    ['0 bytes', 0],
    ['1 byte', 1],
    ['chunk - 1', CHUNK - 1],
    ['one chunk', CHUNK],
    ['chunk + 1', CHUNK + 1],
    ['several chunks', 3 * CHUNK + 1234],
  ])('uploads %s byte-identically with one OPTIONS, one POST and one PATCH per chunk', async (_label, size) => {
    const p = fresh();
    const data = randomBytes(size);
    const remotePath = `/sizes/file-${size}.bin`;
    const before = backend.requests().length;
    const { session, result } = await driveUpload(p, tusJob(`/home/u/file-${size}.bin`, size, remotePath, CHUNK), data);
    expect(result).toEqual({ path: remotePath, size });
    expect((await backend.stored(session, remotePath)).equals(data)).toBe(true);
    const methods = backend.requests().slice(before).map((r) => `${r.method} ${r.status}`);
    expect(methods).toEqual(['OPTIONS 204', 'POST 201', ...Array(Math.ceil(size / CHUNK)).fill('PATCH 204')]);
  });

  it('resumes after a PATCH cut mid-body: asks HEAD, continues from what the server kept', async () => {
    const p = fresh();
    const data = randomBytes(3 * CHUNK);
    const remotePath = '/resume/cut.bin';
    const job = tusJob('/home/u/cut.bin', data.length, remotePath, CHUNK);
    const session = await p.create(job, signal);
    await p.sendChunk(session, job, { index: 0, offset: 0, data: data.subarray(0, CHUNK), final: false }, { signal });
    backend.cutNextPatch(20_000);
    const cutErr = await p.sendChunk(session, job, { index: 1, offset: CHUNK, data: data.subarray(CHUNK, 2 * CHUNK), final: false }, { signal }).catch((e: unknown) => e);
    expect(cutErr).toBeInstanceOf(FerryError);
    expect((cutErr as FerryError).code).toBe('network');
    const st = await p.status(session, job, signal);
    expect(st).toEqual({ kind: 'offset', offset: CHUNK + backend.keptOfCut(20_000) });
    const { result } = await driveUpload(p, job, data, { session });
    expect(result.path).toBe(remotePath);
    expect((await backend.stored(session, remotePath)).equals(data)).toBe(true);
  });

  it('a resent chunk the server already holds gets offset-mismatch; HEAD then continues without resending it', async () => {
    const p = fresh();
    const data = randomBytes(2 * CHUNK + 10);
    const remotePath = '/resume/lost-answer.bin';
    const job = tusJob('/home/u/lost-answer.bin', data.length, remotePath, CHUNK);
    const session = await p.create(job, signal);
    const first = { index: 0, offset: 0, data: data.subarray(0, CHUNK), final: false };
    backend.cutNextPatch(Infinity);
    await expect(p.sendChunk(session, job, first, { signal })).rejects.toMatchObject({ code: 'network' });
    const err = (await p.sendChunk(session, job, first, { signal }).catch((e: unknown) => e)) as FerryError;
    expect(err.code).toBe('offset-mismatch');
    expect(err.context).toMatchObject({ status: 409, offset: 0, method: 'PATCH' });
    expect(err.message).toContain('/home/u/lost-answer.bin');
    expect(await p.status(session, job, signal)).toEqual({ kind: 'offset', offset: CHUNK });
    const before = backend.requests().length;
    await driveUpload(p, job, data, { session });
    const patches = backend.requests().slice(before).filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(2);
    expect((await backend.stored(session, remotePath)).equals(data)).toBe(true);
  });

  it('cancel terminates the upload: DELETE is the last request to its URL, and the URL answers 404 afterwards', async () => {
    const p = fresh();
    const data = randomBytes(2 * CHUNK);
    const job = tusJob('/home/u/cancel.bin', data.length, '/cancel/me.bin', CHUNK);
    const session = await p.create(job, signal);
    await p.sendChunk(session, job, { index: 0, offset: 0, data: data.subarray(0, CHUNK), final: false }, { signal });
    expect(await p.cancel(session, job, signal)).toEqual({ deleted: true });
    const url = (session.ref as { url: string }).url;
    const path = new URL(url).pathname;
    const toUrl = backend.requests().filter((r) => r.path === path);
    expect(toUrl.at(-1)).toMatchObject({ method: 'DELETE', status: 204 });
    const head = await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${backend.token}` } });
    expect(head.status).toBe(404);
    expect(head.headers.get('upload-offset')).toBeNull();
  });

  it('a chunk past the declared length is rejected (413, permanent) and nothing is stored', async () => {
    const p = fresh();
    const job = tusJob('/home/u/grew.bin', 100, '/grew.bin', CHUNK);
    const session = await p.create(job, signal);
    const err = (await p.sendChunk(session, job, { index: 0, offset: 0, data: randomBytes(150), final: true }, { signal }).catch((e: unknown) => e)) as FerryError;
    expect(err.code).toBe('rejected');
    expect(err.context.status).toBe(413);
    expect(err.message).toContain('/home/u/grew.bin');
    expect(await p.status(session, job, signal)).toEqual({ kind: 'offset', offset: 0 });
  });

  it('refuses a file above Tus-Max-Size before sending it', async () => {
    const small = await factory.start({ maxSize: 1000 });
    try {
      http = new UndiciHttp({ idleTimeoutMs: 10_000 });
      const p = createTusProvider({ clock: systemClock, endpoint: { url: small.endpoint, token: small.token }, http });
      const err = (await p.create(tusJob('/home/u/big.bin', 1001, '/big.bin', CHUNK), signal).catch((e: unknown) => e)) as FerryError;
      expect(err.code).toBe('rejected');
      expect(err.message).toMatch(/\/home\/u\/big\.bin is 1001 bytes, more than the 1000 bytes/);
      expect(small.requests().map((r) => r.method)).toEqual(['OPTIONS']);
    } finally {
      await small.close();
    }
  });

  it('an expired upload is session-gone on HEAD and on PATCH, and the session carried its expiry', async () => {
    const exp = await factory.start({ expiring: true });
    try {
      http = new UndiciHttp({ idleTimeoutMs: 10_000 });
      const p = createTusProvider({ clock: systemClock, endpoint: { url: exp.endpoint, token: exp.token }, http });
      const data = randomBytes(2 * CHUNK);
      const job = tusJob('/home/u/old.bin', data.length, '/old.bin', CHUNK);
      const session = await p.create(job, signal);
      expect(session.expiresAt).toEqual(expect.any(Number));
      await p.sendChunk(session, job, { index: 0, offset: 0, data: data.subarray(0, CHUNK), final: false }, { signal });
      await exp.expire();
      const headErr = (await p.status(session, job, signal).catch((e: unknown) => e)) as FerryError;
      expect(headErr.code).toBe('session-gone');
      expect(headErr.context.status).toBe(410);
      expect(headErr.message).toContain('/home/u/old.bin');
      const patchErr = (await p.sendChunk(session, job, { index: 1, offset: CHUNK, data: data.subarray(CHUNK), final: true }, { signal }).catch((e: unknown) => e)) as FerryError;
      expect(patchErr.code).toBe('session-gone');
    } finally {
      await exp.close();
    }
  });
});

describe('@tus/server 2 deviations (protocols.md 6.4) our client must live with', () => {
  let http: UndiciHttp | undefined;
  it('answers HEAD with 200, refuses a bad content type with 400 and a missing offset with 403, and has no checksum', async () => {
    const srv = await startRealTusServer();
    try {
      const opt = await fetch(srv.url, { method: 'OPTIONS' });
      expect(opt.headers.get('tus-extension')).not.toContain('checksum');
      const post = await fetch(srv.url, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '3' } });
      const url = new URL(post.headers.get('location')!, srv.url).href;
      expect((await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } })).status).toBe(200);
      const patch = (h: Record<string, string>) => fetch(url, { method: 'PATCH', headers: { 'tus-resumable': '1.0.0', ...h }, body: 'abc' }).then((r) => r.status);
      expect(await patch({ 'upload-offset': '0', 'content-type': 'text/plain' })).toBe(400);
      expect(await patch({ 'content-type': 'application/offset+octet-stream' })).toBe(403);
      expect(await patch({ 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'tus-resumable': '0.2.2' })).toBe(400);
      // A 403 on HEAD is an auth failure for our client; on PATCH (this server's header complaints) it is permanent.
      http = new UndiciHttp({ idleTimeoutMs: 10_000 });
      const p = createTusProvider({ clock: systemClock, endpoint: { url: srv.url, token: '' }, http });
      const job = tusJob('/home/u/abc.txt', 3, '/abc.txt', CHUNK);
      expect(await p.status({ ref: { url }, chunkSize: CHUNK }, job, signal)).toEqual({ kind: 'offset', offset: 0 });
      expect(await p.sendChunk({ ref: { url }, chunkSize: CHUNK }, job, { index: 0, offset: 0, data: Buffer.from('abc'), final: true }, { signal })).toEqual({ kind: 'offset', offset: 3 });
      expect((await srv.read(url)).toString()).toBe('abc');
    } finally {
      await http?.close();
      await srv.close();
    }
  });
});
