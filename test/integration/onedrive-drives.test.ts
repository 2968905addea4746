// OneDrive against the real services' shapes: drives other than /me/drive (SharePoint and Teams
// libraries, app-only tokens), remote paths that would escape the drive root, a full drive (507
// quotaLimitReached), and finishing an upload whose last fragment met a name conflict with the
// documented explicit commit. Emulator and client on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import type { Provider, Session, UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';
import { createOnedriveProvider } from '../../app/providers/onedrive/client.js';
import { startOnedriveEmulator, type OnedriveEmulatorOptions, type RunningOnedriveEmulator } from '../../app/emulators/onedrive/emulator.js';
import { DEFAULT_DRIVE_ID, DEFAULT_SITE_ID } from '../../app/emulators/onedrive/emulator-options.js';

const K320 = 327_680;
const signal = new AbortController().signal;

let dir: string;
let emu: RunningOnedriveEmulator | undefined;
let http: UndiciHttp;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-odd-'));
  http = new UndiciHttp({ idleTimeoutMs: 5_000 });
});

afterEach(async () => {
  await emu?.close();
  emu = undefined;
  await http.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function start(o: OnedriveEmulatorOptions = {}): Promise<RunningOnedriveEmulator> {
  emu = await startOnedriveEmulator({ dataDir: path.join(dir, 'server'), ...o });
  return emu;
}

function provider(url: string, e: RunningOnedriveEmulator, options: Record<string, string> = {}): Provider {
  return createOnedriveProvider({ endpoint: { url, token: e.token }, http, clock: systemClock, options: { simpleUploadMaxBytes: '1024', ...options } });
}

function bytes(n: number, seed = 'x'): Buffer {
  const out = Buffer.alloc(n);
  let x = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function job(remotePath: string, size: number, conflict: ConflictPolicy = 'fail'): UploadJob {
  return { file: { path: `/local${remotePath}`, name: path.posix.basename(remotePath), size, mtimeMs: 1 }, target: { remotePath, conflict }, chunkSize: K320, digests: {} };
}

function chunk(s: Session, data: Buffer, offset: number) {
  const end = Math.min(data.length, offset + s.chunkSize);
  return { index: Math.floor(offset / s.chunkSize), offset, data: data.subarray(offset, end), final: end >= data.length };
}

/** Sends every chunk in order and finishes, as the engine does when nothing goes wrong. */
async function upload(p: Provider, j: UploadJob, data: Buffer) {
  const s = await p.create(j, signal);
  let offset = 0;
  for (;;) {
    const st = await p.sendChunk(s, j, chunk(s, data, offset), { signal });
    if (st?.kind !== 'offset') break;
    offset = st.offset;
  }
  return p.finish(s, j, {}, signal);
}

async function call(method: string, url: string, o: { headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(url, { method: method as 'GET', headers: o.headers ?? {}, body: o.body ?? null });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}

const api = (e: RunningOnedriveEmulator) => ({ authorization: `Bearer ${e.token}`, 'content-type': 'application/json' });
const stored = (p: string) => fsp.readFile(path.join(dir, 'server', 'files', p));

describe('OneDrive emulator: drive addressing', () => {
  it('serves /me/drive, /drives/{id} and /sites/{id}/drive on the same drive', async () => {
    const e = await start();
    const put = await call('PUT', `${e.graphUrl}/drives/${DEFAULT_DRIVE_ID}/root:/lib/a.bin:/content`, { headers: { ...api(e), 'content-type': 'application/octet-stream' }, body: 'x'.repeat(10) });
    expect(put).toMatchObject({ status: 201, json: { name: 'a.bin', parentReference: { driveId: DEFAULT_DRIVE_ID } } });
    for (const root of ['/me/drive', `/drives/${DEFAULT_DRIVE_ID}`, `/sites/${DEFAULT_SITE_ID}/drive`]) {
      expect(await call('GET', `${e.graphUrl}${root}/root:/lib/a.bin`, { headers: api(e) })).toMatchObject({ status: 200, json: { id: put.json.id, size: 10 } });
    }
  });

  it('answers bad addresses as Graph does: malformed ids 400, unknown ones 404, /me with an app-only token 400 BadRequest', async () => {
    const e = await start({ appOnly: true });
    const get = (root: string) => call('GET', `${e.graphUrl}${root}/root:/x.bin`, { headers: api(e) });
    expect(await get('/drives/not%20a%20drive')).toMatchObject({ status: 400, json: { error: { code: 'invalidRequest', message: expect.stringContaining('drive id appears to be malformed') } } });
    expect(await get('/drives/b!someoneElse')).toMatchObject({ status: 404, json: { error: { code: 'itemNotFound' } } });
    expect(await get('/sites/nohost/drive')).toMatchObject({ status: 400, json: { error: { code: 'invalidRequest' } } });
    expect(await get(`/sites/${DEFAULT_SITE_ID.replace('0001', '0009')}/drive`)).toMatchObject({ status: 404, json: { error: { code: 'itemNotFound' } } });
    expect(await get('/me/drive')).toMatchObject({ status: 400, json: { error: { code: 'BadRequest', message: '/me request is only valid with delegated authentication flow.' } } });
    expect((await get(`/drives/${DEFAULT_DRIVE_ID}`)).status).toBe(404);
  });

  it('quota: 507 quotaLimitReached at createUploadSession when item.fileSize does not fit, and at a simple upload', async () => {
    const e = await start({ quotaBytes: 100 });
    const r = await call('POST', `${e.graphUrl}/me/drive/root:/big.bin:/createUploadSession`, { headers: api(e), body: JSON.stringify({ item: { fileSize: 101 } }) });
    expect(r).toMatchObject({ status: 507, json: { error: { code: 'quotaLimitReached', message: 'Insufficient Space Available' } } });
    const simple = await call('PUT', `${e.graphUrl}/me/drive/root:/s.bin:/content`, { headers: { ...api(e), 'content-type': 'application/octet-stream' }, body: 'x'.repeat(101) });
    expect(simple.status).toBe(507);
    expect(await e.files()).toEqual([]);
  });
});

describe('OneDrive client: other drives', () => {
  it('uploads to /drives/{id} named in the endpoint, with an app-only token (no /me anywhere)', async () => {
    const e = await start({ appOnly: true });
    const p = provider(`${e.graphUrl}/drives/${DEFAULT_DRIVE_ID}/`, e);
    const big = bytes(2 * K320 + 7, 'big');
    expect(await upload(p, job('/Team/big.bin', big.length), big)).toMatchObject({ path: '/Team/big.bin', size: big.length });
    expect(await upload(p, job('/Team/small.bin', 5), bytes(5, 's'))).toMatchObject({ path: '/Team/small.bin', size: 5 });
    expect((await stored('/Team/big.bin')).equals(big)).toBe(true);
    expect(e.requests().some((r) => r.path.includes('/me/'))).toBe(false);
  });

  it('uploads to a SharePoint library chosen with the drive option sites/{id}', async () => {
    const e = await start({ appOnly: true });
    const p = provider(e.url, e, { drive: `sites/${DEFAULT_SITE_ID}` });
    const data = bytes(K320 + 1, 'site');
    expect(await upload(p, job('/Shared Documents/x.bin', data.length), data)).toMatchObject({ path: '/Shared Documents/x.bin' });
    expect(e.requests().every((r) => !r.path.startsWith('/v1.0/') || r.path.startsWith(`/v1.0/sites/${DEFAULT_SITE_ID}/drive/`))).toBe(true);
  });

  it('/me with an app-only token is refused with Graph\'s BadRequest, not a retry', async () => {
    const e = await start({ appOnly: true });
    const err = await upload(provider(e.graphUrl, e), job('/a.bin', 5), bytes(5)).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'rejected', context: { status: 400, serverCode: 'BadRequest' } });
  });
});

describe('OneDrive client: remote paths with . or .. segments', () => {
  it.each(['/Team/../../../../v1.0/me/drive/root:/Elsewhere/x.txt', '/a/./b.bin', '/..', '/a/b/..'])('refuses %s before any request, naming the path', async (remote) => {
    const e = await start();
    const p = provider(e.graphUrl, e);
    for (const size of [5, 2 * K320]) {
      const err = await p.create(job(remote, size), signal).catch((x: unknown) => x);
      expect(err).toMatchObject({ code: 'bad-input', message: expect.stringContaining(`"${remote}"`) });
    }
    expect(e.requests()).toEqual([]);
  });
});

describe('OneDrive client: a full drive', () => {
  it('a file larger than the free space is a quota error at create, before any byte is sent', async () => {
    const e = await start({ quotaBytes: 2 * K320 });
    const err = await provider(e.graphUrl, e).create(job('/big.bin', 2 * K320 + 1), signal).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'quota', context: { status: 507, serverCode: 'quotaLimitReached' } });
    expect(e.stats().bytesReceived).toBe(0);
  });

  it('space taken during the upload: the last fragment is a quota error', async () => {
    const e = await start({ quotaBytes: 3 * K320 });
    const p = provider(e.graphUrl, e);
    const data = bytes(2 * K320, 'q');
    const j = job('/q.bin', data.length);
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunk(s, data, 0), { signal });
    await upload(p, job('/other.bin', 2 * K320), bytes(2 * K320, 'o'));
    const err = await p.sendChunk(s, j, chunk(s, data, K320), { signal }).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'quota', context: { status: 507 } });
  });
});

describe('OneDrive client: finishing after a name conflict on the last fragment', () => {
  it('commits the kept session explicitly (PUT to the parent with @microsoft.graph.sourceUrl) under the policy the job has now', async () => {
    const e = await start();
    const p = provider(e.graphUrl, e);
    const data = bytes(2 * K320, 'late');
    const j = job('/d/late.bin', data.length, 'fail');
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunk(s, data, 0), { signal });
    await upload(p, job('/d/late.bin', 10, 'replace'), bytes(10, 'other'));
    expect(await p.sendChunk(s, j, chunk(s, data, K320), { signal }).catch((x: unknown) => x)).toMatchObject({ code: 'name-conflict' });
    // The user chooses "rename"; the session kept every byte, so nothing is sent again.
    const renamed: UploadJob = { ...j, target: { ...j.target, conflict: 'rename' } };
    expect(await p.status(s, renamed, signal)).toEqual({ kind: 'offset', offset: data.length });
    const before = e.stats().bytesReceived;
    expect(await p.finish(s, renamed, {}, signal)).toMatchObject({ path: '/d/late 1.bin', size: data.length });
    expect(e.stats().bytesReceived - before).toBeLessThan(2048);
    expect((await stored('/d/late 1.bin')).equals(data)).toBe(true);
    const commit = e.requests().filter((r) => r.method === 'PUT' && r.path === '/v1.0/me/drive/root:/d');
    expect(commit).toHaveLength(1);
  });

  it('under "fail" the explicit commit is still a name conflict while the other file is there', async () => {
    const e = await start();
    const p = provider(e.graphUrl, e);
    const data = bytes(2 * K320, 'late2');
    const j = job('/late.bin', data.length, 'fail');
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, chunk(s, data, 0), { signal });
    await upload(p, job('/late.bin', 10, 'replace'), bytes(10, 'other'));
    await p.sendChunk(s, j, chunk(s, data, K320), { signal }).catch(() => undefined);
    expect(await p.finish(s, j, {}, signal).catch((x: unknown) => x)).toMatchObject({ code: 'name-conflict', context: { serverCode: 'nameAlreadyExists' } });
    expect(e.requests().some((r) => r.method === 'PUT' && r.path === '/v1.0/me/drive/root')).toBe(true);
  });
});
