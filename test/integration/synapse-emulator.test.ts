// The Synapse emulator spoken to in raw HTTP, edge case by edge case (protocols.md 2.8).
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { startSynapseEmulator, type SynapseEmulatorOptions } from '../../app/emulators/synapse/emulator.js';

const MIN = 1024;
const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

let dir: string;
let em: RunningEmulator;
let clock: number;

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-synemu-'));
  clock = Date.UTC(2026, 0, 1);
});
afterEach(async () => {
  await em?.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function start(o: SynapseEmulatorOptions & { discard?: boolean } = {}): Promise<void> {
  em = await startSynapseEmulator({ ...(o.discard ? {} : { dataDir: join(dir, 'emu') }), minPartSize: MIN, now: () => clock, extraUsers: { 'other-token': '999' }, ...o });
}

interface Res { status: number; body: any; headers: Headers; text: string }

async function call(method: string, path: string, o: { token?: string | null; body?: unknown } = {}): Promise<Res> {
  const token = o.token === undefined ? em.token : o.token;
  const res = await fetch(`${em.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body: unknown;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: res.status, body, headers: res.headers, text };
}

const content = (n: number, seed = 1): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff));

function request(data: Buffer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { concreteType: 'org.sagebionetworks.repo.model.file.MultipartUploadRequest', fileName: 'data.bin', fileSizeBytes: data.length, contentMD5Hex: md5(data), partSizeBytes: MIN, contentType: 'application/octet-stream', generatePreview: false, storageLocationId: null, ...extra };
}

const start_ = (body: unknown, q = '', token?: string | null) => call('POST', `/file/v1/file/multipart${q}`, { body, ...(token !== undefined ? { token } : {}) });
const urls = (id: string, partNumbers: unknown, token?: string | null, contentType?: string) =>
  call('POST', `/file/v1/file/multipart/${id}/presigned/url/batch`, { body: { uploadId: id, partNumbers, ...(contentType ? { contentType } : {}) }, ...(token !== undefined ? { token } : {}) });
const add = (id: string, n: number, partMd5: string, token?: string) => call('PUT', `/file/v1/file/multipart/${id}/add/${n}?partMD5Hex=${partMd5}`, token ? { token } : {});
const complete = (id: string, token?: string) => call('PUT', `/file/v1/file/multipart/${id}/complete`, token ? { token } : {});

async function putPart(url: string, data: Buffer, headers: Record<string, string> = {}): Promise<Res> {
  const res = await fetch(url, { method: 'PUT', body: data, headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: undefined, headers: res.headers, text };
}

/** Start, PUT and add every part, complete: a finished upload. */
async function upload(data: Buffer, extra: Record<string, unknown> = {}): Promise<{ id: string; handle: string }> {
  const s = await start_(request(data, extra));
  const id = s.body.uploadId as string;
  const parts = Math.ceil(data.length / MIN);
  const u = await urls(id, Array.from({ length: parts }, (_, i) => i + 1));
  for (let n = 1; n <= parts; n++) {
    const slice = data.subarray((n - 1) * MIN, n * MIN);
    expect((await putPart(u.body.partPresignedUrls[n - 1].uploadPresignedUrl, slice)).status).toBe(200);
    expect((await add(id, n, md5(slice))).body.addPartState).toBe('ADD_SUCCESS');
  }
  const c = await complete(id);
  expect(c.status).toBe(201);
  return { id, handle: c.body.resultFileHandleId as string };
}

describe('Synapse emulator (protocols.md 2.8)', () => {
  it('1: same user + same request values → same upload; any change, or another user → a new one', async () => {
    await start();
    const data = content(3 * MIN);
    const a = await start_(request(data));
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ state: 'UPLOADING', partsState: '000', startedBy: '3350396' });
    expect(a.body.startedOn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Key order and whitespace do not matter; null and omitted storageLocationId (→ 1) hash alike.
    const r = request(data);
    const reordered = `{ "storageLocationId": 1, ${JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'storageLocationId').reverse())).slice(1)}`;
    expect((await start_(reordered)).body.uploadId).toBe(a.body.uploadId);
    for (const change of [{ fileName: 'other.bin' }, { partSizeBytes: MIN + 1 }, { contentType: 'text/plain' }, { generatePreview: true }, { storageLocationId: 2 }, { contentMD5Hex: md5('x') }]) {
      expect((await start_(request(data, change))).body.uploadId, JSON.stringify(change)).not.toBe(a.body.uploadId);
    }
    expect((await start_(request(data), '', 'other-token')).body.uploadId).not.toBe(a.body.uploadId);
    expect(em.stats().sessionsCreated).toBe(8);
  });

  it('2: the identical request after completion returns COMPLETED and its file handle at once', async () => {
    await start();
    const data = content(2 * MIN + 5);
    const { id, handle } = await upload(data);
    const again = await start_(request(data));
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ uploadId: id, state: 'COMPLETED', partsState: '111', resultFileHandleId: handle });
  });

  it('3: forceRestart=true starts a new upload with no parts; the old id stays addressable', async () => {
    await start();
    const data = content(2 * MIN);
    const { id } = await upload(data);
    const fresh = await start_(request(data), '?forceRestart=true');
    expect(fresh.body).toMatchObject({ state: 'UPLOADING', partsState: '00' });
    expect(fresh.body.uploadId).not.toBe(id);
    expect((await start_(request(data))).body.uploadId).toBe(fresh.body.uploadId);
    expect((await complete(id)).body).toMatchObject({ uploadId: id, state: 'COMPLETED' });
  });

  it('4: invalid sizes and anonymous callers are refused with the server reasons', async () => {
    await start();
    const d = content(10);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ partSizeBytes: MIN - 1 }, 400, `The part size must be at least ${MIN} bytes.`],
      [{ partSizeBytes: 5 * 1024 ** 3 + 1 }, 400, 'The part size must not exceed 5368709120 bytes.'],
      [{ fileSizeBytes: MIN * 10_000 + 1 }, 400, 'File Upload would require 10001 parts, which exceeds the maximum number of allowed parts of: 10000. Please choose a larger part size.'],
      [{ fileSizeBytes: 0 }, 400, 'File size must be at least one byte'],
      [{ fileSizeBytes: 5 * 1024 ** 4 + 1, partSizeBytes: 1024 ** 3 }, 400, 'The maximum file size is 5 TB'],
      [{ fileName: '' }, 400, 'MultipartUploadRequest.fileName is required and must not be the empty string.'],
      [{ contentMD5Hex: '' }, 400, 'MultipartUploadRequest.contentMD5Hex is required and must not be the empty string.'],
    ];
    for (const [change, status, reason] of cases) {
      const r = await start_(request(d, change));
      expect([r.status, r.body.reason], JSON.stringify(change)).toEqual([status, reason]);
      expect(r.body.concreteType).toBe('org.sagebionetworks.repo.model.ErrorResponse');
    }
    expect((await start_(request(d, { fileName: 'a/b.txt' }))).body.reason).toMatch(/^Invalid Name: 'a\/b.txt'/);
    const anon = await start_(request(d), '', null);
    expect([anon.status, anon.body.reason]).toEqual([403, 'Anonymous cannot upload files.']);
    const bad = await start_(request(d), '', 'nope');
    expect([bad.status, bad.body.reason]).toEqual([401, 'Invalid access token']);
    expect(em.stats().sessionsCreated).toBe(0);
  });

  it('5: presigned URLs are valid 15 minutes by the server clock; then 403 with an S3 XML error', async () => {
    await start();
    const data = content(MIN);
    const id = (await start_(request(data))).body.uploadId as string;
    const u = await urls(id, [1]);
    expect(u.status).toBe(201);
    const url = u.body.partPresignedUrls[0].uploadPresignedUrl as string;
    // S3's host, not Synapse's: the URL names the fake S3's own port.
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/_s3/${id}/1\\?.*X-Amz-Expires=900`));
    expect(new URL(url).origin).not.toBe(em.url);
    expect(u.body.partPresignedUrls[0].signedHeaders).toEqual({});

    clock += 15 * 60_000 - 1000;
    const ok = await putPart(url, data);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe(`"${md5(data)}"`);
    clock += 2000;
    const late = await putPart(url, data);
    expect(late.status).toBe(403);
    expect(late.text).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
    const forged = await putPart(url.replace(/sig=[^&]+/, 'sig=AAAA'), data);
    expect(forged.text).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    // Fresh URLs work again.
    const again = await urls(id, [1]);
    expect((await putPart(again.body.partPresignedUrls[0].uploadPresignedUrl, data)).status).toBe(200);
  });

  it('presigned part URLs name another origin than the API (S3), which answers nothing else', async () => {
    await start();
    const data = content(MIN);
    const id = (await start_(request(data))).body.uploadId as string;
    const url = (await urls(id, [1])).body.partPresignedUrls[0].uploadPresignedUrl as string;
    const s3 = new URL(url).origin;
    expect(s3).not.toBe(em.url);
    expect((await putPart(url, data)).status).toBe(200);
    // The Synapse API is not served there.
    const api = await fetch(`${s3}/file/v1/file/multipart/${id}/add/1?partMD5Hex=${md5(data)}`, { method: 'PUT', headers: { authorization: `Bearer ${em.token}` } });
    expect(api.status).toBe(404);
    await api.text();
    // The part PUT there counts like any other request: the part can be added.
    expect((await add(id, 1, md5(data))).body.addPartState).toBe('ADD_SUCCESS');
  });

  it('signed Content-Type must be sent with the PUT', async () => {
    await start();
    const data = content(100);
    const id = (await start_(request(data))).body.uploadId as string;
    const u = await urls(id, [1], undefined, 'text/plain');
    const p = u.body.partPresignedUrls[0];
    expect(p.signedHeaders).toEqual({ 'Content-Type': 'text/plain' });
    expect((await putPart(p.uploadPresignedUrl, data, { 'content-type': 'application/json' })).status).toBe(403);
    expect((await putPart(p.uploadPresignedUrl, data, p.signedHeaders)).status).toBe(200);
  });

  it('6: add with a wrong MD5 → 201 ADD_FAILED and the part reads 0, even if it was added before', async () => {
    await start();
    const data = content(2 * MIN);
    const id = (await start_(request(data))).body.uploadId as string;
    const u = await urls(id, [1, 2]);
    const p1 = data.subarray(0, MIN);
    await putPart(u.body.partPresignedUrls[0].uploadPresignedUrl, p1);
    expect((await add(id, 1, md5(p1))).body.addPartState).toBe('ADD_SUCCESS');
    expect((await start_(request(data))).body.partsState).toBe('10');
    // Re-PUT overwrites the temporary object; a wrong MD5 then un-adds the part.
    await putPart(u.body.partPresignedUrls[0].uploadPresignedUrl, p1);
    const bad = await add(id, 1, md5('not it'));
    expect(bad.status).toBe(201);
    expect(bad.body).toEqual({ uploadId: id, partNumber: 1, addPartState: 'ADD_FAILED', errorMessage: 'The provided MD5 does not match the MD5 of the uploaded part.  Please re-upload the part.' });
    expect((await start_(request(data))).body.partsState).toBe('00');
    // The temporary object survives a failed precondition: the right MD5 now succeeds.
    expect((await add(id, 1, md5(p1))).body.addPartState).toBe('ADD_SUCCESS');
  });

  it('7: a second add without a new PUT fails (the temporary object was consumed) and un-adds the part', async () => {
    await start();
    const data = content(MIN);
    const id = (await start_(request(data))).body.uploadId as string;
    const u = await urls(id, [1]);
    await putPart(u.body.partPresignedUrls[0].uploadPresignedUrl, data);
    expect((await add(id, 1, md5(data))).body.addPartState).toBe('ADD_SUCCESS');
    const second = await add(id, 1, md5(data));
    expect([second.status, second.body.addPartState]).toEqual([201, 'ADD_FAILED']);
    expect(second.body.errorMessage).toMatch(/NoSuchKey/);
    expect((await start_(request(data))).body.partsState).toBe('0');
  });

  it('8: part numbers out of range → 400; another user → 403; unknown upload → 404', async () => {
    await start();
    const data = content(2 * MIN);
    const id = (await start_(request(data))).body.uploadId as string;
    for (const [n, reason] of [[0, 'Part numbers cannot be less than one.'], [3, 'Part number cannot be larger than number of parts. Number of parts: 2, provided part number: 3']] as const) {
      const u = await urls(id, [n]);
      expect([u.status, u.body.reason]).toEqual([400, reason]);
      const a = await add(id, n, md5('x'));
      expect([a.status, a.body.reason]).toEqual([400, reason]);
    }
    expect((await urls(id, [])).body.reason).toBe('BatchPresignedUploadUrlRequest.partNumbers must contain at least one value');
    const other = await urls(id, [1], 'other-token');
    expect([other.status, other.body.reason]).toEqual([403, 'Only the user that started a multipart upload can get part upload pre-signed URLs for that file upload.']);
    expect((await add(id, 1, md5('x'), 'other-token')).status).toBe(403);
    expect((await complete(id, 'other-token')).status).toBe(403);
    const missing = await urls('424242', [1]);
    expect([missing.status, missing.body.reason]).toEqual([404, 'MultipartUploadStatus cannot be found for id: 424242']);
    expect((await add('424242', 1, md5('x'))).status).toBe(404);
    expect((await complete('424242')).status).toBe(404);
  });

  it('9: add after COMPLETED → 400; complete twice → the same COMPLETED status', async () => {
    await start();
    const data = content(MIN + 1);
    const { id, handle } = await upload(data);
    const a = await add(id, 1, md5(data.subarray(0, MIN)));
    expect([a.status, a.body.reason]).toEqual([400, 'Cannot add parts to completed file upload.']);
    const again = await complete(id);
    expect([again.status, again.body.state, again.body.resultFileHandleId, again.body.partsState]).toEqual([201, 'COMPLETED', handle, '11']);
  });

  it('10: complete with parts missing → 400 "Missing N part(s)"', async () => {
    await start();
    const data = content(3 * MIN);
    const id = (await start_(request(data))).body.uploadId as string;
    const u = await urls(id, [2]);
    await putPart(u.body.partPresignedUrls[0].uploadPresignedUrl, data.subarray(MIN, 2 * MIN));
    await add(id, 2, md5(data.subarray(MIN, 2 * MIN)));
    const c = await complete(id);
    expect([c.status, c.body.reason]).toEqual([400, 'Missing 2 part(s).  All parts must be successfully added before a file upload can be completed.']);
  });

  it('11: a non-final part below the minimum is found only at complete (S3 EntityTooSmall)', async () => {
    await start();
    const data = content(2 * MIN);
    const id = (await start_(request(data))).body.uploadId as string;
    const u = await urls(id, [1, 2]);
    const short = data.subarray(0, 100);
    await putPart(u.body.partPresignedUrls[0].uploadPresignedUrl, short);
    expect((await add(id, 1, md5(short))).body.addPartState).toBe('ADD_SUCCESS');
    await putPart(u.body.partPresignedUrls[1].uploadPresignedUrl, data.subarray(MIN));
    expect((await add(id, 2, md5(data.subarray(MIN)))).body.addPartState).toBe('ADD_SUCCESS');
    const c = await complete(id);
    expect(c.status).toBe(400);
    expect(c.body.reason).toMatch(/EntityTooSmall/);
  });

  it('12: every success is 201; the assembled file, its handle and the entity (409 on a taken name)', async () => {
    await start();
    const data = content(3 * MIN - 7);
    const { handle } = await upload(data);
    const fh = await call('GET', `/file/v1/fileHandle/${handle}`);
    expect(fh.status).toBe(200);
    expect(fh.body).toMatchObject({ id: handle, contentMd5: md5(data), contentSize: data.length, fileName: 'data.bin', storageLocationId: 1 });
    const entity = { concreteType: 'org.sagebionetworks.repo.model.FileEntity', name: 'result.bin', parentId: 'syn123', dataFileHandleId: handle };
    const e = await call('POST', '/repo/v1/entity', { body: entity });
    expect(e.status).toBe(201);
    expect(e.body).toMatchObject({ name: 'result.bin', parentId: 'syn123', dataFileHandleId: handle });
    expect(e.body.id).toMatch(/^syn\d+$/);
    const dup = await call('POST', '/repo/v1/entity', { body: entity });
    expect([dup.status, dup.body.reason]).toEqual([409, 'An entity with the name: result.bin already exists with a parentId: syn123']);
    expect((await call('POST', '/repo/v1/entity', { body: entity, token: 'other-token' })).status).toBe(403);
    expect(await em.files()).toEqual([{ path: '/syn123/result.bin', size: data.length, sha256: createHash('sha256').update(data).digest('hex') }]);
    const all = em.requests().filter((r) => !r.path.startsWith('/_s3/') && r.status < 300);
    expect(new Set(all.map((r) => `${r.method} ${r.status}`))).toEqual(new Set(['POST 201', 'PUT 201', 'GET 200']));
  });

  it('the file handle reports the MD5 of the stored bytes, not the claimed one', async () => {
    await start();
    const data = content(MIN);
    const { handle } = await upload(data, { contentMD5Hex: md5('a claim that is wrong') });
    expect((await call('GET', `/file/v1/fileHandle/${handle}`)).body.contentMd5).toBe(md5(data));
  });

  it('uploads untouched for the cleanup period are cleared: 404, and the same request starts afresh', async () => {
    await start({ cleanupAfterMs: 60_000 });
    const data = content(2 * MIN);
    const id = (await start_(request(data))).body.uploadId as string;
    const u = await urls(id, [1]);
    await putPart(u.body.partPresignedUrls[0].uploadPresignedUrl, data.subarray(0, MIN));
    await add(id, 1, md5(data.subarray(0, MIN)));
    clock += 59_000;
    expect((await start_(request(data))).body).toMatchObject({ uploadId: id, partsState: '10' });
    clock += 2_000;
    expect((await urls(id, [2])).status).toBe(404);
    const again = await start_(request(data));
    expect(again.body.uploadId).not.toBe(id);
    expect(again.body.partsState).toBe('00');
    expect(em.stats().sessionsDeleted).toBe(1);
    expect(await fsp.readdir(join(dir, 'emu', 's3-parts')).catch(() => [])).toEqual([]);
  });

  it('keeps parts on disk until complete and fsyncs the assembled object (dataDir layout)', async () => {
    await start();
    const data = content(2 * MIN + 3);
    const s = await start_(request(data));
    const id = s.body.uploadId as string;
    const u = await urls(id, [1]);
    await putPart(u.body.partPresignedUrls[0].uploadPresignedUrl, data.subarray(0, MIN));
    expect(await fsp.readFile(join(dir, 'emu', 's3-temp', id, '1'))).toEqual(data.subarray(0, MIN));
    await add(id, 1, md5(data.subarray(0, MIN)));
    expect(await fsp.readFile(join(dir, 'emu', 's3-parts', id, '1'))).toEqual(data.subarray(0, MIN));
  });

  it('discard mode checks the protocol and counts bytes without storing them', async () => {
    await start({ discard: true });
    const data = content(2 * MIN + 1);
    const { handle } = await upload(data);
    expect(em.stats().bytesReceived).toBe(data.length);
    const fh = await call('GET', `/file/v1/fileHandle/${handle}`);
    expect(fh.body).toMatchObject({ contentSize: data.length, contentMd5: md5(data) });
    const bad = await start_(request(content(5), { partSizeBytes: 10 }));
    expect(bad.status).toBe(400);
    expect(await fsp.readdir(dir)).toEqual([]);
  });
});
