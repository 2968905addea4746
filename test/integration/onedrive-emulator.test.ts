// The OneDrive emulator spoken to in raw HTTP, one edge case of protocols.md 4.8 at a time.
// Every error answer must be Graph JSON `{"error":{"code","message"}}` (checked in `call`).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { QuickXorHash } from '../../app/node/quickxor-hash.js';
import { startOnedriveEmulator, type OnedriveEmulatorOptions, type RunningOnedriveEmulator } from '../../app/emulators/onedrive/emulator.js';

const K320 = 327_680;
const HOUR = 60 * 60 * 1000;

let dir: string;
let emu: RunningOnedriveEmulator | undefined;
let clock: number;
let dispatcher: Agent | undefined;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-odemu-'));
  clock = Date.parse('2026-11-21T10:00:00Z');
});

afterEach(async () => {
  await emu?.close();
  emu = undefined;
  await dispatcher?.close();
  dispatcher = undefined;
  await fsp.rm(dir, { recursive: true, force: true });
});

async function start(o: OnedriveEmulatorOptions & { discard?: boolean; dataDir?: string } = {}): Promise<RunningOnedriveEmulator> {
  emu = await startOnedriveEmulator({ ...(o.discard ? {} : { dataDir: path.join(dir, 'server') }), now: () => clock, ...o });
  return emu;
}

interface Answer { status: number; json: any; headers: Record<string, string | string[] | undefined> }

async function call(method: string, url: string, o: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Answer> {
  const res = await request(url, { method: method as 'GET', headers: o.headers ?? {}, body: o.body ?? null, ...(dispatcher ? { dispatcher } : {}) });
  const text = await res.body.text();
  const json = text === '' ? undefined : JSON.parse(text);
  if (res.statusCode >= 400) {
    expect(json?.error, `${method} ${url} → ${res.statusCode} ${text}`).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  }
  return { status: res.statusCode, json, headers: res.headers };
}

const api = (e: RunningOnedriveEmulator) => ({ authorization: `Bearer ${e.token}`, 'content-type': 'application/json' });

async function create(e: RunningOnedriveEmulator, remote: string, item: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call('POST', `${e.graphUrl}/me/drive/root:${remote}:/createUploadSession`, { headers: api(e), body: JSON.stringify({ item, ...extra }) });
  expect(r.status).toBe(200);
  return r.json.uploadUrl as string;
}

function put(url: string, data: Buffer, start: number, len: number, total = data.length, headers: Record<string, string> = {}): Promise<Answer> {
  return call('PUT', url, { headers: { 'content-range': `bytes ${start}-${start + len - 1}/${total}`, ...headers }, body: data.subarray(start, start + len) });
}

function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

async function uploadAll(url: string, data: Buffer, frag = K320): Promise<Answer> {
  let last: Answer | undefined;
  for (let off = 0; off < data.length; off += frag) last = await put(url, data, off, Math.min(frag, data.length - off));
  return last!;
}

const stored = (p: string) => fsp.readFile(path.join(dir, 'server', 'files', p));
const same = (a: Buffer, b: Buffer) => expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));
const qx = (b: Buffer) => new QuickXorHash().update(b).digest().toString('base64');

describe('OneDrive emulator (protocols.md 4.8)', () => {
  it('13: createUploadSession by path answers uploadUrl (multi-segment, tempauth), expirationDateTime and ["0-"]; parents are made', async () => {
    const e = await start();
    const r = await call('POST', `${e.graphUrl}/me/drive/root:/Documents/sub%20dir/big%20file.bin:/createUploadSession`, { headers: api(e), body: JSON.stringify({ item: { '@microsoft.graph.conflictBehavior': 'rename', name: 'big file.bin' } }) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      '@odata.context': `${e.url}/v1.0/$metadata#microsoft.graph.uploadSession`,
      uploadUrl: expect.stringMatching(new RegExp(`^${e.url}/up/[A-Za-z0-9]+\\?tempauth=[\\w-]+$`)),
      expirationDateTime: new Date(clock + 24 * HOUR).toISOString(),
      nextExpectedRanges: ['0-'],
    });
    expect((await fsp.stat(path.join(dir, 'server', 'files', 'Documents', 'sub dir'))).isDirectory()).toBe(true);
    const mismatch = await call('POST', `${e.graphUrl}/me/drive/root:/a.bin:/createUploadSession`, { headers: api(e), body: JSON.stringify({ item: { name: 'b.bin' } }) });
    expect(mismatch.status).toBe(400);
  });

  it('creates a session by parent item id (and "root"), placing the file in that folder', async () => {
    const e = await start();
    const first = bytes(K320 + 1);
    await uploadAll(await create(e, '/a/b/first.bin'), first);
    const item = await call('GET', `${e.graphUrl}/me/drive/root:/a/b/first.bin`, { headers: api(e) });
    expect(item.json).toMatchObject({ name: 'first.bin', size: first.length, parentReference: { path: '/drive/root:/a/b' } });
    const parentId = item.json.parentReference.id as string;
    const r = await call('POST', `${e.graphUrl}/me/drive/items/${parentId}:/second.bin:/createUploadSession`, { headers: api(e), body: '{}' });
    expect(r.status).toBe(200);
    await uploadAll(r.json.uploadUrl, first);
    same(await stored('/a/b/second.bin'), first);
    const atRoot = await call('POST', `${e.graphUrl}/me/drive/items/root:/top.bin:/createUploadSession`, { headers: api(e), body: '{}' });
    await uploadAll(atRoot.json.uploadUrl, first);
    same(await stored('/top.bin'), first);
    expect((await call('POST', `${e.graphUrl}/me/drive/items/01NOPE:/x.bin:/createUploadSession`, { headers: api(e), body: '{}' })).status).toBe(404);
  });

  it('1, 2: overlap is 416 fragmentOverlap, a gap is 416 fragmentOutOfOrder; neither moves the session', async () => {
    const e = await start();
    const data = bytes(3 * K320);
    const url = await create(e, '/o.bin');
    expect((await put(url, data, 0, K320)).json).toMatchObject({ nextExpectedRanges: [`${K320}-`] });
    const overlap = await put(url, data, 100, K320);
    expect(overlap).toMatchObject({ status: 416, json: { error: { code: 'invalidRange', innerError: { code: 'fragmentOverlap' } } } });
    const gap = await put(url, data, 2 * K320, K320);
    expect(gap).toMatchObject({ status: 416, json: { error: { code: 'invalidRange', innerError: { code: 'fragmentOutOfOrder' } } } });
    expect((await call('GET', url)).json.nextExpectedRanges).toEqual([`${K320}-`]);
    await put(url, data, K320, K320);
    expect((await put(url, data, 2 * K320, K320)).status).toBe(201);
    same(await stored('/o.bin'), data);
  });

  it('3: a total that differs from the first fragment\'s is 400 fragmentLengthMismatch', async () => {
    const e = await start();
    const data = bytes(2 * K320);
    const url = await create(e, '/t.bin');
    await put(url, data, 0, K320);
    const r = await put(url, data, K320, K320, 2 * K320 + 1);
    expect(r).toMatchObject({ status: 400, json: { error: { innerError: { code: 'fragmentLengthMismatch' } } } });
    expect((await call('PUT', url, { headers: { 'content-range': 'bytes 327680-327689/655360' }, body: Buffer.alloc(5) })).status).toBe(400);
    expect((await call('PUT', url, { headers: { 'content-range': 'bytes=0-1' }, body: Buffer.alloc(2) })).status).toBe(400);
  });

  it('4: a fragment at the size limit is 413 maxFragmentLengthExceeded and stores nothing; one byte less is fine', async () => {
    const e = await start({ maxFragmentBytes: 1024 * 1024 });
    const data = bytes(2 * 1024 * 1024);
    const url = await create(e, '/big.bin');
    const r = await put(url, data, 0, 1024 * 1024);
    expect(r).toMatchObject({ status: 413, json: { error: { innerError: { code: 'maxFragmentLengthExceeded' } } } });
    expect((await call('GET', url)).json.nextExpectedRanges).toEqual(['0-']);
    expect((await put(url, data, 0, 1024 * 1024 - 1)).status).toBe(202);
  });

  it('5: non-320 KiB fragments are accepted (live behaviour); strictAlignment fails the commit instead', async () => {
    const data = bytes(K320 + 10);
    let e = await start();
    let url = await create(e, '/odd.bin');
    expect((await put(url, data, 0, 2)).status).toBe(202);
    expect((await put(url, data, 2, data.length - 2)).status).toBe(201);
    same(await stored('/odd.bin'), data);
    await e.close();
    e = await start({ strictAlignment: true, dataDir: path.join(dir, 'server2') });
    url = await create(e, '/strict.bin');
    expect((await put(url, data, 0, 1000)).status).toBe(202);
    const r = await put(url, data, 1000, data.length - 1000);
    expect(r).toMatchObject({ status: 400, json: { error: { innerError: { code: 'uploadSessionFailed' } } } });
    expect(r.json.error.message).toContain('offset 0');
    expect(await e.files()).toEqual([]);
  });

  it('6: Authorization on the upload URL is tolerated by default and refused with 401 in strict mode', async () => {
    const data = bytes(K320);
    let e = await start();
    expect((await put(await create(e, '/a.bin'), data, 0, K320, K320, { authorization: `Bearer ${e.token}` })).status).toBe(201);
    await e.close();
    e = await start({ strictUploadAuth: true, dataDir: path.join(dir, 'server2') });
    const url = await create(e, '/a.bin');
    expect(await put(url, data, 0, K320, K320, { authorization: `Bearer ${e.token}` })).toMatchObject({ status: 401, json: { error: { code: 'unauthenticated' } } });
    expect((await put(url, data, 0, K320)).status).toBe(201);
  });

  it('7: the last fragment answers 201 (new) or 200 (replace) with a driveItem, its quickXorHash, size and Location', async () => {
    const e = await start({ reportSha1: true });
    const a = bytes(2 * K320 + 3, 7);
    const r = await uploadAll(await create(e, '/r/x.bin'), a);
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`${e.url}/v1.0/me/drive/items/${r.json.id}`);
    expect(r.json).toMatchObject({
      name: 'x.bin', size: a.length, parentReference: { path: '/drive/root:/r' },
      file: { hashes: { quickXorHash: qx(a), sha1Hash: createHash('sha1').update(a).digest('hex').toUpperCase() } },
    });
    const b = bytes(K320 + 1, 8);
    const again = await uploadAll(await create(e, '/r/x.bin', { '@microsoft.graph.conflictBehavior': 'replace' }), b);
    expect(again).toMatchObject({ status: 200, json: { id: r.json.id, size: b.length } });
    same(await stored('/r/x.bin'), b);
  });

  it('7: deferCommit answers the last fragment with 202 and [] and commits on POST uploadUrl', async () => {
    const e = await start();
    const data = bytes(K320 + 5);
    const url = await create(e, '/deferred.bin', {}, { deferCommit: true });
    expect((await call('POST', url, { body: Buffer.alloc(0) })).status).toBe(400);
    const last = await uploadAll(url, data);
    expect(last).toMatchObject({ status: 202, json: { nextExpectedRanges: [] } });
    expect(await e.files()).toEqual([]);
    const done = await call('POST', url, { body: Buffer.alloc(0) });
    expect(done).toMatchObject({ status: 201, json: { name: 'deferred.bin', size: data.length } });
    same(await stored('/deferred.bin'), data);
  });

  it('8: a name that appears during an upload under "fail" is 409 nameAlreadyExists on the last fragment; an explicit commit still works', async () => {
    const e = await start();
    const data = bytes(2 * K320, 3);
    const url = await create(e, '/n/late.bin', { '@microsoft.graph.conflictBehavior': 'fail' });
    await put(url, data, 0, K320);
    await uploadAll(await create(e, '/n/late.bin'), bytes(K320, 4));
    const r = await put(url, data, K320, K320);
    expect(r).toMatchObject({ status: 409, json: { error: { code: 'nameAlreadyExists' } } });
    expect((await call('GET', url)).json.nextExpectedRanges).toEqual([]);
    // Only a deferCommit session is committed by POST uploadUrl.
    expect((await call('POST', url, { body: Buffer.alloc(0) })).status).toBe(400);
    // The documented explicit commit addresses the parent folder and names the file.
    const commit = await call('PUT', `${e.graphUrl}/me/drive/root:/n`, {
      headers: api(e),
      body: JSON.stringify({ name: 'late-kept.bin', '@microsoft.graph.conflictBehavior': 'rename', '@microsoft.graph.sourceUrl': url }),
    });
    expect(commit).toMatchObject({ status: 201, json: { name: 'late-kept.bin', size: data.length } });
    same(await stored('/n/late-kept.bin'), data);
    expect((await call('GET', url)).status).toBe(404);
    expect((await call('POST', `${e.graphUrl}/me/drive/root:/n/late.bin:/createUploadSession`, { headers: api(e), body: '{}' })).status).toBe(409);
  });

  it('9: "rename" gives "name 1.ext", then "name 2.ext"', async () => {
    const e = await start();
    const data = bytes(K320);
    for (let i = 0; i < 3; i++) await uploadAll(await create(e, '/dup/photo.jpg', { '@microsoft.graph.conflictBehavior': 'rename' }), data);
    expect((await e.files()).map((f) => f.path)).toEqual(['/dup/photo 1.jpg', '/dup/photo 2.jpg', '/dup/photo.jpg']);
  });

  it('10: GET status lists the missing range; DELETE answers 204 and the URL is then 404 itemNotFound', async () => {
    const e = await start();
    const data = bytes(2 * K320);
    const url = await create(e, '/del.bin');
    await put(url, data, 0, K320);
    expect(await call('GET', url)).toMatchObject({ status: 200, json: { expirationDateTime: expect.any(String), nextExpectedRanges: [`${K320}-`] } });
    expect((await call('DELETE', url)).status).toBe(204);
    expect(await call('GET', url)).toMatchObject({ status: 404, json: { error: { code: 'itemNotFound' } } });
    expect((await put(url, data, K320, K320)).status).toBe(404);
    expect((await call('DELETE', url)).status).toBe(404);
    expect(e.stats()).toMatchObject({ sessionsCreated: 1, sessionsDeleted: 1 });
  });

  it('11: an interrupted request is discarded whole: the session still expects its first byte', async () => {
    const e = await start();
    const data = bytes(3 * K320, 5);
    const url = await create(e, '/cut.bin');
    await put(url, data, 0, K320);
    e.inject({ method: 'PUT', path: '/up/', action: { kind: 'truncate', bytes: 200_000 } });
    await expect(put(url, data, K320, K320)).rejects.toThrow();
    expect((await call('GET', url)).json.nextExpectedRanges).toEqual([`${K320}-`]);
    expect((await put(url, data, K320 + 200_000, K320 - 200_000)).status).toBe(416);
    await put(url, data, K320, K320);
    const done = await put(url, data, 2 * K320, K320);
    expect(done.json.file.hashes.quickXorHash).toBe(qx(data));
    same(await stored('/cut.bin'), data);
  });

  it('sessions expire after 24 h by default (404); sliding expiry extends them on each fragment', async () => {
    let e = await start();
    const data = bytes(3 * K320);
    let url = await create(e, '/exp.bin');
    clock += 24 * HOUR - 1;
    expect((await put(url, data, 0, K320)).status).toBe(202);
    clock += 1;
    expect(await put(url, data, K320, K320)).toMatchObject({ status: 404, json: { error: { code: 'itemNotFound' } } });
    await e.close();
    e = await start({ sessionLifetimeMs: HOUR, slidingExpiry: true });
    url = await create(e, '/slide.bin');
    for (let i = 0; i < 3; i++) {
      clock += HOUR - 1;
      const r = await put(url, data, i * K320, K320);
      expect(r.status).toBe(i < 2 ? 202 : 201);
      if (i < 2) expect(r.json.expirationDateTime).toBe(new Date(clock + HOUR).toISOString());
    }
  });

  it('urlExpiryMs: the upload URL answers 403 accessDenied while the session itself has not expired', async () => {
    const e = await start({ urlExpiryMs: 15 * 60 * 1000 });
    const data = bytes(2 * K320);
    const url = await create(e, '/u.bin');
    await put(url, data, 0, K320);
    clock += 15 * 60 * 1000;
    expect(await put(url, data, K320, K320)).toMatchObject({ status: 403, json: { error: { code: 'accessDenied' } } });
    expect((await call('GET', url)).status).toBe(403);
    expect((await call('GET', url.replace(/tempauth=[^&]+/, 'tempauth=guess'))).status).toBe(404);
  });

  it('Graph API calls need the bearer token (401 InvalidAuthenticationToken) unless requireToken is off', async () => {
    let e = await start();
    const noToken = await call('POST', `${e.graphUrl}/me/drive/root:/a.bin:/createUploadSession`, { body: '{}' });
    expect(noToken).toMatchObject({ status: 401, json: { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } } });
    expect((await call('POST', `${e.graphUrl}/me/drive/root:/a.bin:/createUploadSession`, { headers: { authorization: 'Bearer nope' }, body: '{}' })).status).toBe(401);
    await e.close();
    e = await start({ requireToken: false });
    expect((await call('POST', `${e.graphUrl}/me/drive/root:/a.bin:/createUploadSession`, { body: '{}' })).status).toBe(200);
  });

  it('simple upload: PUT …:/content answers 201, 200 on replace, 409 under fail, 413 over the limit', async () => {
    const e = await start({ simpleUploadMaxBytes: 1000 });
    const url = `${e.graphUrl}/me/drive/root:/s/small.txt:/content`;
    const h = { authorization: `Bearer ${e.token}` };
    const first = await call('PUT', url, { headers: h, body: 'hello' });
    expect(first).toMatchObject({ status: 201, json: { name: 'small.txt', size: 5, file: { hashes: { quickXorHash: qx(Buffer.from('hello')) } } } });
    expect((await call('PUT', url, { headers: h, body: 'hello again' })).status).toBe(200);
    expect(await call('PUT', `${url}?@microsoft.graph.conflictBehavior=fail`, { headers: h, body: 'x' })).toMatchObject({ status: 409, json: { error: { code: 'nameAlreadyExists' } } });
    expect((await call('PUT', `${url}?@microsoft.graph.conflictBehavior=rename`, { headers: h, body: '' })).json).toMatchObject({ name: 'small 1.txt', size: 0 });
    expect((await call('PUT', url, { headers: h, body: Buffer.alloc(1001) })).status).toBe(413);
    expect((await stored('/s/small.txt')).toString()).toBe('hello again');
  });

  it('routes the Graph SDK\'s mangled http form /v1.0/http://host:port/up/ID', async () => {
    const e = await start();
    const data = bytes(K320 + 1);
    const url = await create(e, '/m.bin');
    const mangled = `${e.url}/v1.0/${url}`;
    expect((await put(mangled, data, 0, K320)).status).toBe(202);
    expect((await call('GET', mangled)).json.nextExpectedRanges).toEqual([`${K320}-`]);
    expect((await put(mangled, data, K320, 1)).status).toBe(201);
    same(await stored('/m.bin'), data);
  });

  it('discard mode checks the protocol and counts bytes but stores nothing', async () => {
    const e = await start({ discard: true });
    const data = bytes(3 * K320 + 9);
    const url = await create(e, '/d/x.bin');
    expect((await put(url, data, K320, K320)).status).toBe(416);
    const last = await uploadAll(url, data);
    expect(last.json.file.hashes.quickXorHash).toBe(qx(data));
    expect(await e.files()).toEqual([{ path: '/d/x.bin', size: data.length, sha256: null }]);
    expect(e.stats().bytesReceived).toBe(data.length);
    expect(await fsp.readdir(dir)).toEqual([]);
  });

  it('serves https with its own self-signed certificate, trusted when passed as the CA', async () => {
    const e = await start({ tls: true });
    expect(e.graphUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
    await expect(request(`${e.graphUrl}/me/drive/root:/x`, { headers: api(e) })).rejects.toThrow(/certificate/);
    dispatcher = new Agent({ connect: { ca: e.certificatePem! } });
    const data = bytes(K320 + 2);
    const url = await create(e, '/tls.bin');
    expect(url.startsWith(`${e.url}/up/`)).toBe(true);
    expect((await uploadAll(url, data)).status).toBe(201);
    same(await stored('/tls.bin'), data);
  });
});
