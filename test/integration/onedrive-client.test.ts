// The OneDrive client driven directly (as the engine would) against the OneDrive emulator on
// 127.0.0.1: byte-identical files at every size boundary, no bearer token on the upload URL,
// reconciliation after 416, expiry, name conflicts, a wrong server hash, cancel, and https.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FerryError, isFerryError } from '../../app/common/errors.js';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import type { Provider, RemoteFile, ServerState, Session, UploadJob } from '../../app/engine/provider.js';
import { createHasher } from '../../app/node/hashers.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { createOnedriveProvider } from '../../app/providers/onedrive/client.js';
import { startOnedriveEmulator, type OnedriveEmulatorOptions, type RunningOnedriveEmulator } from '../../app/emulators/onedrive/emulator.js';
import { systemClock } from '../../app/node/system-clock.js';
import { waitFor } from '../helpers/wait-for.js';

const K320 = 327_680;
const signal = new AbortController().signal;

let dir: string;
let emu: RunningOnedriveEmulator | undefined;
let http: UndiciHttp;
let clock: number;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-od-'));
  clock = Date.parse('2026-11-21T10:00:00Z');
  http = new UndiciHttp({ idleTimeoutMs: 5_000 });
});

afterEach(async () => {
  await emu?.close();
  emu = undefined;
  await http.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function start(o: OnedriveEmulatorOptions = {}): Promise<RunningOnedriveEmulator> {
  emu = await startOnedriveEmulator({ dataDir: path.join(dir, 'server'), now: () => clock, ...o });
  return emu;
}

/** `skewMs`: how far the computer's clock is from the server's (the emulator's `clock`). */
function provider(e: RunningOnedriveEmulator, o: { token?: string; simpleMax?: number; h?: UndiciHttp; skewMs?: number } = {}): Provider {
  return createOnedriveProvider(
    { endpoint: { url: e.graphUrl, token: o.token ?? e.token }, http: o.h ?? http, clock: { now: () => clock + (o.skewMs ?? 0), sleep: systemClock.sleep }, options: { simpleUploadMaxBytes: String(o.simpleMax ?? 1024) } },
  );
}

/** Deterministic pseudo-random bytes (xorshift32 seeded from the label), cheap even for MiBs. */
function bytes(n: number, seed = 'x'): Buffer {
  const out = Buffer.alloc(n);
  let x = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function job(remotePath: string, size: number, conflict: ConflictPolicy = 'fail', chunkSize = K320): UploadJob {
  return { file: { path: `/local${remotePath}`, name: path.posix.basename(remotePath), size, mtimeMs: 1 }, target: { remotePath, conflict }, chunkSize, digests: {} };
}

function quickXor(data: Buffer): string {
  const h = createHasher('quickxor');
  h.update(data);
  return h.digest();
}

function chunkAt(s: Session, data: Buffer, offset: number): { index: number; offset: number; data: Buffer; final: boolean } {
  const end = Math.min(data.length, offset + s.chunkSize);
  return { index: Math.floor(offset / s.chunkSize), offset, data: data.subarray(offset, end), final: end >= data.length };
}

/** What the engine does, minus retries with backoff: send in order, reconcile a 416 at most twice per chunk. */
async function drive(p: Provider, j: UploadJob, data: Buffer, s?: Session): Promise<{ result: RemoteFile; session: Session; reconciles: number }> {
  const session = s ?? (await p.create(j, signal));
  let state: ServerState = s ? await p.status(session, j, signal) : { kind: 'offset', offset: 0 };
  let reconciles = 0;
  let perChunk = 0;
  let sentEmpty = false;
  for (let guard = 0; guard < 200; guard++) {
    if (state.kind === 'complete') break;
    const offset = state.kind === 'offset' ? state.offset : 0;
    if (offset >= data.length && (data.length > 0 || sentEmpty)) break;
    sentEmpty = true;
    const chunk = chunkAt(session, data, offset);
    try {
      state = (await p.sendChunk(session, j, chunk, { signal })) ?? { kind: 'offset', offset: offset + chunk.data.length };
      perChunk = 0;
    } catch (e) {
      if (!isFerryError(e, 'offset-mismatch') || ++perChunk > 2) throw e;
      reconciles++;
      state = await p.status(session, j, signal);
    }
  }
  const result = await p.finish(session, j, {}, signal);
  return { result, session, reconciles };
}

/** Compares large buffers by length and SHA-256: vitest's deep equality crawls through MiBs. */
function digest(b: Buffer): string {
  return `${b.length}:${createHash('sha256').update(b).digest('hex')}`;
}

async function stored(remotePath: string): Promise<Buffer> {
  return fsp.readFile(path.join(dir, 'server', 'files', remotePath));
}

const uploadUrlRequests = (e: RunningOnedriveEmulator) => e.requests().filter((r) => r.path.includes('/up/'));

describe('OneDrive client against the emulator', () => {
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['one fragment less one byte', K320 - 1],
    ['exactly one fragment', K320],
    ['one fragment and one byte', K320 + 1],
    ['several fragments', 3 * K320 + 17],
  ])('uploads a %s file (%i bytes) byte-identical, reporting the quickXorHash', async (_name, size) => {
    const e = await start();
    const data = bytes(size, `s${size}`);
    const p = provider(e);
    const { result } = await drive(p, job('/Footage/day 1/clip.bin', size), data);
    expect(digest(await stored('/Footage/day 1/clip.bin'))).toBe(digest(data));
    expect(result).toMatchObject({ path: '/Footage/day 1/clip.bin', size, hash: { algorithm: 'quickxor', value: quickXor(data) } });
    const puts = e.requests().filter((r) => r.method === 'PUT');
    const sessionUpload = size > 1024;
    expect(puts).toHaveLength(sessionUpload ? Math.ceil(size / K320) : 1);
    for (const r of puts) {
      if (sessionUpload) {
        // The upload URL carries its own credential (tempauth): our bearer token never goes there.
        expect(r.path).toMatch(/^\/up\//);
        expect(r.headers.authorization).toBeUndefined();
      } else {
        expect(r.path).toBe('/v1.0/me/drive/root:/Footage/day%201/clip.bin:/content');
        expect(r.headers.authorization).toBe(`Bearer ${e.token}`);
      }
    }
    if (sessionUpload) {
      expect(puts.map((r) => r.headers['content-range'])).toEqual(
        Array.from({ length: puts.length }, (_, i) => `bytes ${i * K320}-${Math.min(size, (i + 1) * K320) - 1}/${size}`),
      );
      expect(e.requests()[0]).toMatchObject({ method: 'POST', path: '/v1.0/me/drive/root:/Footage/day%201/clip.bin:/createUploadSession' });
    }
  });

  it('sends files up to 4 MiB by default in one simple PUT and larger ones through a session', async () => {
    const e = await start();
    // The emulator's bare url works as endpoint too: the client adds /v1.0.
    const p = createOnedriveProvider({ clock: systemClock, endpoint: { url: e.url, token: e.token }, http });
    const four = bytes(4 * 1024 * 1024, 'four');
    expect((await p.create(job('/a.bin', four.length), signal)).ref).toEqual({ kind: 'simple' });
    await drive(p, job('/a.bin', four.length), four);
    const more = bytes(4 * 1024 * 1024 + 1, 'more');
    const { session } = await drive(p, job('/b.bin', more.length, 'fail', 10 * 1024 * 1024), more);
    expect(session.ref).toMatchObject({ kind: 'session' });
    expect(session.chunkSize).toBe(32 * K320);
    expect(digest(await stored('/a.bin'))).toBe(digest(four));
    expect(digest(await stored('/b.bin'))).toBe(digest(more));
    expect(e.requests().map((r) => `${r.method} ${r.path.replace(/\/up\/\w+/, '/up/ID')}`)).toEqual([
      'PUT /v1.0/me/drive/root:/a.bin:/content',
      'POST /v1.0/me/drive/root:/b.bin:/createUploadSession',
      'PUT /up/ID',
    ]);
  });

  it('row 11: a refused token is an auth error naming the file; the upload URL never gets Authorization (strict server)', async () => {
    const e = await start({ strictUploadAuth: true });
    const bad = provider(e, { token: 'expired-token-123' });
    const err = await bad.create(job('/docs/report.pdf', 2 * K320), signal).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(FerryError);
    expect(err).toMatchObject({ code: 'auth', context: { status: 401, serverCode: 'InvalidAuthenticationToken' } });
    expect((err as Error).message).toContain('/docs/report.pdf');
    expect((err as Error).message).not.toContain('expired-token-123');
    expect(e.requests()).toHaveLength(1);
    const data = bytes(2 * K320 + 5);
    await drive(provider(e), job('/docs/report.pdf', data.length), data);
    expect(digest(await stored('/docs/report.pdf'))).toBe(digest(data));
    expect(uploadUrlRequests(e).every((r) => r.status === 202 || r.status === 201)).toBe(true);
  });

  it('row 12: a fragment the server already has, or one that skips ahead, is an offset mismatch the status reconciles', async () => {
    const e = await start();
    const data = bytes(4 * K320, 'r12');
    const p = provider(e);
    const j = job('/r12.bin', data.length);
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunkAt(s, data, 0), { signal });
    await p.sendChunk(s, j, chunkAt(s, data, K320), { signal });
    // The answer to the second fragment "was lost": the engine re-sends it.
    const overlap = await p.sendChunk(s, j, chunkAt(s, data, K320), { signal }).catch((x: unknown) => x);
    expect(overlap).toMatchObject({ code: 'offset-mismatch', context: { status: 416, serverCode: 'invalidRange/fragmentOverlap' } });
    expect(await p.status(s, j, signal)).toEqual({ kind: 'offset', offset: 2 * K320 });
    const gap = await p.sendChunk(s, j, chunkAt(s, data, 3 * K320), { signal }).catch((x: unknown) => x);
    expect(gap).toMatchObject({ code: 'offset-mismatch', context: { serverCode: 'invalidRange/fragmentOutOfOrder' } });
    const { result, reconciles } = await drive(p, j, data, s);
    expect(reconciles).toBe(0);
    expect(result.size).toBe(data.length);
    expect(digest(await stored('/r12.bin'))).toBe(digest(data));
  });

  it('row 12: ranges that make no sense are "offset drift" (protocol), not a guess', async () => {
    const e = await start();
    const data = bytes(3 * K320);
    const p = provider(e);
    const j = job('/drift.bin', data.length);
    const s = await p.create(j, signal);
    e.inject({ method: 'GET', path: '/up/', action: { kind: 'respond', status: 200, body: JSON.stringify({ expirationDateTime: '2026-11-22T10:00:00Z', nextExpectedRanges: ['99999999-'] }) } });
    const err = await p.status(s, j, signal).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'protocol' });
    expect((err as Error).message).toMatch(/offset drift on "\/drift\.bin"/);
  });

  it('an interrupted fragment is discarded whole; status points back at its start and the upload completes', async () => {
    const e = await start();
    const data = bytes(3 * K320 + 100, 'cut');
    const p = provider(e);
    const j = job('/cut.bin', data.length);
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunkAt(s, data, 0), { signal });
    e.inject({ method: 'PUT', path: '/up/', action: { kind: 'truncate', bytes: 100_000 } });
    const err = await p.sendChunk(s, j, chunkAt(s, data, K320), { signal }).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'network' });
    expect(await p.status(s, j, signal)).toEqual({ kind: 'offset', offset: K320 });
    await drive(p, j, data, s);
    expect(digest(await stored('/cut.bin'))).toBe(digest(data));
  });

  it('a lost answer to the last fragment: status finds the file the session made instead of starting over', async () => {
    const e = await start();
    const data = bytes(2 * K320, 'lost');
    const p = provider(e);
    const j = job('/lost.bin', data.length);
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunkAt(s, data, 0), { signal });
    e.inject({ method: 'PUT', path: '/up/', action: { kind: 'commit-then-reset' } });
    await expect(p.sendChunk(s, j, chunkAt(s, data, K320), { signal })).rejects.toMatchObject({ code: 'network' });
    expect(digest(await stored('/lost.bin'))).toBe(digest(data));
    // Graph forgets a committed session; the item at the target, written since the session began
    // and of this size, is ours (the engine then checks its quickXorHash against the local file).
    const st = await p.status(s, j, signal);
    expect(st).toMatchObject({ kind: 'complete', result: { path: '/lost.bin', size: data.length, hash: { algorithm: 'quickxor' } } });
    expect((await e.files()).map((f) => f.path)).toEqual(['/lost.bin']);
  });

  it('a gone session with an older file of another size at the target is still gone', async () => {
    const e = await start();
    const old = bytes(K320, 'old');
    const p = provider(e);
    const first = job('/stale.bin', old.length);
    const s1 = await p.create(first, signal);
    await p.sendChunk(s1, first, chunkAt(s1, old, 0), { signal });
    const data = bytes(2 * K320, 'new');
    const j = job('/stale.bin', data.length);
    const s = await p.create({ ...j, target: { ...j.target, conflict: 'replace' } }, signal);
    await p.cancel(s, j, signal);
    await expect(p.status(s, j, signal)).rejects.toMatchObject({ code: 'session-gone' });
  });

  it('row 17: past the session expiry the server answers for the session (404, gone); a new session from 0 completes', async () => {
    const e = await start({ sessionLifetimeMs: 60 * 60 * 1000 });
    const data = bytes(3 * K320, 'exp');
    const p = provider(e);
    const j = job('/exp.bin', data.length);
    const s = await p.create(j, signal);
    expect(s.expiresAt).toBe(clock + 60 * 60 * 1000);
    await p.sendChunk(s, j, chunkAt(s, data, 0), { signal });
    clock += 60 * 60 * 1000;
    // The client does not judge expiry on its own clock: it asks, and the server says gone.
    const before = e.requests().length;
    await expect(p.sendChunk(s, j, chunkAt(s, data, K320), { signal })).rejects.toMatchObject({ code: 'session-gone' });
    const st = await p.status(s, j, signal).catch((x: unknown) => x);
    expect(st).toMatchObject({ code: 'session-gone' });
    expect((st as Error).message).toContain('/exp.bin');
    // The PUT and the status GET reached the upload URL and were answered 404 (then the item lookup).
    expect(e.requests().slice(before, before + 2).map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 404', 'GET 404']);
    await drive(p, j, data);
    expect(digest(await stored('/exp.bin'))).toBe(digest(data));
  });

  // The computer's clock hours off the server's must neither stop a live session (old code refused
  // to send when its own clock passed expirationDateTime) nor shift the expiry the engine keeps:
  // the expiry is moved onto the local clock by the skew the answer's Date header measures.
  it.each([['5 hours ahead', 5 * 3_600_000], ['5 hours behind', -5 * 3_600_000]])('a computer clock %s of the server: the session works and its expiry is on the local clock', async (_label, skewMs) => {
    const e = await start({ sessionLifetimeMs: 60 * 60 * 1000 });
    const data = bytes(3 * K320, `skew${skewMs}`);
    const p = provider(e, { skewMs });
    const j = job('/skew.bin', data.length);
    const s = await p.create(j, signal);
    expect(s.expiresAt).toBe(clock + skewMs + 60 * 60 * 1000);
    await drive(p, j, data);
    expect(digest(await stored('/skew.bin'))).toBe(digest(data));
  });

  it('a lost last answer is recognised by server times alone, with the computer clock a year ahead', async () => {
    const e = await start();
    const data = bytes(2 * K320, 'lost-skew');
    const p = provider(e, { skewMs: 365 * 86_400_000 });
    const j = job('/lost-skew.bin', data.length);
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunkAt(s, data, 0), { signal });
    e.inject({ method: 'PUT', path: '/up/', action: { kind: 'commit-then-reset' } });
    await expect(p.sendChunk(s, j, chunkAt(s, data, K320), { signal })).rejects.toMatchObject({ code: 'network' });
    const st = await p.status(s, j, signal);
    expect(st).toMatchObject({ kind: 'complete', result: { path: '/lost-skew.bin', size: data.length } });
  });

  it('row 17: an upload URL whose tempauth expired (403 accessDenied) means the session is gone', async () => {
    const e = await start({ urlExpiryMs: 10 * 60 * 1000 });
    const data = bytes(2 * K320, 'tmp');
    const p = provider(e);
    const j = job('/tmp.bin', data.length);
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunkAt(s, data, 0), { signal });
    clock += 10 * 60 * 1000;
    const err = await p.sendChunk(s, j, chunkAt(s, data, K320), { signal }).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'session-gone', context: { status: 403, serverCode: 'accessDenied' } });
    expect((err as FerryError).context.url).not.toContain('tempauth');
    expect((err as Error).message).not.toMatch(/tempauth=/);
  });

  it('row 18: an existing name under "fail" is a name conflict at create, with no second request', async () => {
    const e = await start();
    const p = provider(e);
    const old = bytes(2 * K320, 'old');
    await drive(p, job('/dup/name.bin', old.length), old);
    const before = e.requests().length;
    const err = await p.create(job('/dup/name.bin', old.length), signal).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'name-conflict', context: { status: 409, serverCode: 'nameAlreadyExists' } });
    expect((err as Error).message).toContain('/dup/name.bin');
    expect(e.requests()).toHaveLength(before + 1);
  });

  it('"rename" lands as "name 1.ext", "replace" overwrites (200), and the result names where it went', async () => {
    const e = await start();
    const p = provider(e);
    const a = bytes(K320 + 3, 'a');
    const b = bytes(2 * K320 + 3, 'b');
    const c = bytes(K320 + 9, 'c');
    await drive(p, job('/d/name.bin', a.length), a);
    const renamed = await drive(p, job('/d/name.bin', b.length, 'rename'), b);
    expect(renamed.result.path).toBe('/d/name 1.bin');
    const replaced = await drive(p, job('/d/name.bin', c.length, 'replace'), c);
    expect(replaced.result.path).toBe('/d/name.bin');
    expect(e.requests().at(-1)).toMatchObject({ method: 'PUT', status: 200 });
    expect(digest(await stored('/d/name.bin'))).toBe(digest(c));
    expect(digest(await stored('/d/name 1.bin'))).toBe(digest(b));
  });

  it('a name that appears during the upload under "fail": the last fragment is a name conflict and the session keeps every byte', async () => {
    const e = await start();
    const p = provider(e);
    const data = bytes(2 * K320, 'late');
    const j = job('/late.bin', data.length);
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunkAt(s, data, 0), { signal });
    const other = bytes(10, 'other');
    await drive(p, job('/late.bin', other.length, 'replace'), other);
    const err = await p.sendChunk(s, j, chunkAt(s, data, K320), { signal }).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'name-conflict', context: { serverCode: 'nameAlreadyExists' } });
    expect(await p.status(s, j, signal)).toEqual({ kind: 'offset', offset: data.length });
    expect(digest(await stored('/late.bin'))).toBe(digest(other));
  });

  it('row 29: the provider returns the hash the server reported, even when it is wrong', async () => {
    const e = await start({ wrongQuickXorHash: true });
    const data = bytes(2 * K320 + 1, 'bad');
    const { result } = await drive(provider(e), job('/bad.bin', data.length), data);
    const right = quickXor(data);
    expect(result.hash?.algorithm).toBe('quickxor');
    expect(result.hash?.value).not.toBe(right);
    expect(Buffer.from(result.hash!.value, 'base64').subarray(1)).toEqual(Buffer.from(right, 'base64').subarray(1));
  });

  it('cancel deletes the session (204); later calls find it gone and nothing was stored', async () => {
    const e = await start();
    const p = provider(e);
    const data = bytes(3 * K320, 'cancel');
    const j = job('/cancel.bin', data.length);
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunkAt(s, data, 0), { signal });
    expect(await p.cancel(s, j, signal)).toEqual({ deleted: true });
    expect(e.requests().at(-1)).toMatchObject({ method: 'DELETE', status: 204 });
    await expect(p.status(s, j, signal)).rejects.toMatchObject({ code: 'session-gone' });
    expect(await p.cancel(s, j, signal)).toMatchObject({ deleted: false });
    expect(await e.files()).toEqual([]);
    // The emulator removes the part file after answering the DELETE: wait for it, bounded.
    await waitFor(async () => (await fsp.readdir(path.join(dir, 'server', 'sessions'))).length === 0, 'the cancelled session\'s part file to be removed', 5_000);
    expect(e.stats().sessionsDeleted).toBe(1);
  });

  it('resumes from a journaled session reference in a new provider instance', async () => {
    const e = await start();
    const data = bytes(3 * K320 + 1, 'journal');
    const j = job('/resume.bin', data.length);
    const first = provider(e);
    const s = await first.create(j, signal);
    await first.sendChunk(s, j, chunkAt(s, data, 0), { signal });
    const saved = JSON.parse(JSON.stringify(s)) as Session;
    const second = provider(e);
    expect(await second.status(saved, j, signal)).toEqual({ kind: 'offset', offset: K320 });
    const { result } = await drive(second, j, data, saved);
    expect(result.hash?.value).toBe(quickXor(data));
    expect(digest(await stored('/resume.bin'))).toBe(digest(data));
    expect(uploadUrlRequests(e).filter((r) => r.method === 'PUT')).toHaveLength(4);
  });

  it('server errors keep Graph\'s code and message; 5xx is a server error, 413 is final', async () => {
    const e = await start();
    const p = provider(e);
    const data = bytes(2 * K320);
    const j = job('/err.bin', data.length);
    const s = await p.create(j, signal);
    e.inject({ method: 'PUT', path: '/up/', action: { kind: 'respond', status: 503, body: '{"error":{"code":"serviceNotAvailable","message":"try later"}}' } });
    const err = await p.sendChunk(s, j, chunkAt(s, data, 0), { signal }).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'server-error', context: { status: 503, serverCode: 'serviceNotAvailable' } });
    expect((err as Error).message).toContain('try later');
    expect((err as Error).message).toContain('/err.bin');
    e.inject({ method: 'PUT', path: '/up/', action: { kind: 'respond', status: 413, body: '{"error":{"code":"invalidRange","message":"too big"}}' } });
    await expect(p.sendChunk(s, j, chunkAt(s, data, 0), { signal })).rejects.toMatchObject({ code: 'rejected', context: { status: 413 } });
  });
});

describe('OneDrive client over https (row 39)', () => {
  it('refuses the self-signed certificate unless it is passed explicitly, and never falls back to insecure', async () => {
    const e = await start({ tls: true });
    expect(e.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    expect(e.certificatePem).toContain('BEGIN CERTIFICATE');
    const data = bytes(2 * K320 + 7, 'tls');
    const err = await provider(e).create(job('/tls.bin', data.length), signal).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'rejected' });
    expect((err as Error).message).toMatch(/certificate/);
    expect(e.requests()).toHaveLength(0);
    const trusted = new UndiciHttp({ ca: e.certificatePem!, idleTimeoutMs: 5_000 });
    try {
      const { result } = await drive(provider(e, { h: trusted }), job('/tls.bin', data.length), data);
      expect(result.hash?.value).toBe(quickXor(data));
      expect(digest(await stored('/tls.bin'))).toBe(digest(data));
      expect(uploadUrlRequests(e).every((r) => r.headers.authorization === undefined)).toBe(true);
    } finally {
      await trusted.close();
    }
  });
});
