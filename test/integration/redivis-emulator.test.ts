// The Redivis/GCS emulator spoken to over raw HTTP: every edge case of protocols.md 3.4 and the
// Redivis API around it (create, finalize, processing, temp uploads), on disk and in discard mode.
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../app/engine/http.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { Crc32c } from '../../app/providers/redivis/crc32c.js';
import { startRedivisEmulator, type RedivisEmulatorOptions } from '../../app/emulators/redivis/emulator.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorOptions } from '../../app/emulators/kit/emulator-types.js';

const K = 262_144;
const TABLE = 'alice.survey.responses';
let dir: string;
let emu: RunningEmulator;
let clock: number;
const http = new UndiciHttp({ idleTimeoutMs: 10_000 });

async function start(o: Partial<EmulatorOptions> & RedivisEmulatorOptions = {}): Promise<RunningEmulator> {
  emu = await startRedivisEmulator({ dataDir: dir, token: 'tok_SECRET_123', now: () => clock, ...o });
  return emu;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-redivis-emu-'));
  clock = 1_700_000_000_000;
});
afterEach(async () => {
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

const auth = { authorization: 'Bearer tok_SECRET_123' };

async function createSession(size: number): Promise<{ id: string; url: string }> {
  const res = await http.request({ method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/resumableUpload?size=${size}`, headers: auth });
  expect(res.status).toBe(200);
  const body = res.json<{ kind: string; id: string; url: string }>();
  expect(body.kind).toBe('resumableUpload');
  return body;
}

function put(url: string, range: string, body?: Buffer, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return http.request({ method: 'PUT', url, headers: { 'content-range': range, ...headers }, body: body ?? Buffer.alloc(0) });
}

async function finalize(id: string, name: string): Promise<HttpResponse> {
  return http.request({ method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/uploads`, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name, resumableUploadId: id, type: 'delimited' }) });
}

async function pollUntilDone(uri: string, max = 10): Promise<{ status: string; errorMessage: string | null; seen: string[] }> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    const u = (await http.request({ method: 'GET', url: `${emu.url}/api/v1${uri}`, headers: auth })).json<{ status: string; errorMessage: string | null }>();
    seen.push(u.status);
    if (u.status === 'completed' || u.status === 'failed') return { ...u, seen };
  }
  throw new Error(`upload still processing after ${max} polls: ${seen.join(',')}`);
}

describe('Redivis API', () => {
  it('refuses a missing or wrong bearer with the Redivis error body', async () => {
    await start();
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const res = await http.request({ method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/resumableUpload?size=10`, headers });
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ error: 'invalid_token', status: 401 });
      expect(typeof res.json<{ error_description: string }>().error_description).toBe('string');
    }
    expect(emu.stats().sessionsCreated).toBe(0);
  });

  it('takes the size as a query parameter or as the 2022 client\'s JSON body, and requires it', async () => {
    await start();
    const viaBody = await http.request({ method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/resumableUpload`, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ size: 5 }) });
    expect(viaBody.status).toBe(200);
    // The declared size binds the session: a different total is refused.
    const r = await put(viaBody.json<{ url: string }>().url, 'bytes 0-5/6', Buffer.alloc(6));
    expect(r.status).toBe(400);
    const missing = await http.request({ method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/resumableUpload`, headers: auth });
    expect(missing.status).toBe(400);
    expect(missing.json()).toMatchObject({ error: 'invalid_request', status: 400 });
  });

  it('finalizes a complete session into an upload that goes queued → running → completed, then lists it as /table/name', async () => {
    await start({ pollsPerStage: 2, stageMs: 1000 });
    const data = randomBytes(K + 1000);
    const s = await createSession(data.length);
    expect((await put(s.url, `bytes 0-${K - 1}/${data.length}`, data.subarray(0, K))).status).toBe(308);
    // Incomplete session: finalize refused with the Redivis error body.
    const early = await finalize(s.id, 'responses.csv');
    expect(early.status).toBe(400);
    expect(early.json()).toMatchObject({ error: 'invalid_request', status: 400 });
    expect(early.json<{ error_description: string }>().error_description).toMatch(/incomplete/);
    const last = await put(s.url, `bytes ${K}-${data.length - 1}/${data.length}`, data.subarray(K));
    expect(last.status).toBe(200);
    const up = await finalize(s.id, 'responses.csv');
    expect(up.status).toBe(200);
    const u = up.json<{ kind: string; uri: string; status: string; name: string }>();
    expect(u).toMatchObject({ kind: 'upload', status: 'queued', name: 'responses.csv' });
    expect(await emu.files()).toEqual([]);
    // A stage ends after two polls and at least a second of the injected clock, whichever is later.
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      clock += 300;
      seen.push((await http.request({ method: 'GET', url: `${emu.url}/api/v1${u.uri}`, headers: auth })).json<{ status: string }>().status);
    }
    expect(seen).toEqual(['queued', 'queued', 'queued', 'running', 'running', 'running', 'running', 'completed']);
    const files = await emu.files();
    expect(files).toEqual([{ path: `/${TABLE}/responses.csv`, size: data.length, sha256: createHash('sha256').update(data).digest('hex') }]);
    // A repeated finalize (lost answer) returns the same upload; the same name from another session conflicts.
    expect((await finalize(s.id, 'responses.csv')).json()).toMatchObject({ uri: u.uri, status: 'completed' });
    const other = await createSession(0);
    expect((await put(other.url, 'bytes */0')).status).toBe(200);
    expect((await finalize(other.id, 'responses.csv')).status).toBe(409);
  });

  it('refuses to finalize an unknown session id, and reports a failed import with its errorMessage', async () => {
    await start({ failUploadsWith: 'Row 3: expected 4 columns, found 2' });
    const unknown = await finalize('UPnope', 'x.csv');
    expect(unknown.status).toBe(400);
    expect(unknown.json<{ error_description: string }>().error_description).toContain('UPnope');
    const s = await createSession(3);
    expect((await put(s.url, 'bytes 0-2/3', Buffer.from('a,b'))).status).toBe(200);
    const u = (await finalize(s.id, 'bad.csv')).json<{ uri: string }>();
    const done = await pollUntilDone(u.uri);
    expect(done).toMatchObject({ status: 'failed', errorMessage: 'Row 3: expected 4 columns, found 2' });
    expect(await emu.files()).toEqual([]);
  });

  it('serves the current API: temp uploads, resumable via x-goog-resumable: start, or one PUT', async () => {
    await start();
    const data = randomBytes(K + 10);
    const res = await http.request({
      method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/tempUploads`, headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ tempUploads: [{ size: data.length, name: 'big.bin', resumable: true }, { size: 4, name: 'small.txt', resumable: false }] }),
    });
    expect(res.status).toBe(200);
    const [big, small] = res.json<{ kind: string; results: { id: string; url: string; name: string; resumable: boolean }[] }>().results;
    expect(big).toMatchObject({ kind: 'tempUpload', name: 'big.bin', resumable: true });
    const init = await http.request({ method: 'POST', url: big!.url, headers: { 'x-goog-resumable': 'start' }, body: Buffer.alloc(0) });
    expect(init.status).toBe(201);
    const loc = init.headers['location']!;
    expect((await put(loc, `bytes 0-${K - 1}/${data.length}`, data.subarray(0, K))).status).toBe(308);
    // An XML-API session's errors are GCS's XML error body.
    const bad = await put(loc, 'bytes 0-9/5');
    expect([bad.status, bad.headers['content-type']]).toEqual([400, 'application/xml; charset=UTF-8']);
    expect(bad.text()).toMatch(/^<\?xml [^>]*\?><Error><Code>\w+<\/Code><Message>Failed to parse Content-Range header: bytes 0-9\/5<\/Message><\/Error>$/);
    // An XML-API session's last answer: 200, no body, the digests in x-goog-hash (the status query too).
    const last = await put(loc, `bytes ${K}-${data.length - 1}/${data.length}`, data.subarray(K));
    const digests = `crc32c=${new Crc32c().update(data).base64()},md5=${createHash('md5').update(data).digest('base64')}`;
    expect(last).toMatchObject({ status: 200, headers: { 'x-goog-hash': digests, 'x-goog-stored-content-length': String(data.length) } });
    expect(last.body.length).toBe(0);
    const again = await put(loc, `bytes */${data.length}`);
    expect([again.status, again.body.length, again.headers['x-goog-hash']]).toEqual([200, 0, digests]);
    expect((await http.request({ method: 'PUT', url: small!.url, body: Buffer.from('abcd') })).status).toBe(200);
    for (const [t, name] of [[big!, 'big.bin'], [small!, 'small.txt']] as const) {
      const up = await http.request({ method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/uploads`, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name, tempUploadId: t.id }) });
      expect(up.status).toBe(200);
      expect((await pollUntilDone(up.json<{ uri: string }>().uri)).status).toBe('completed');
    }
    expect((await emu.files()).map((f) => [f.path, f.size])).toEqual([[`/${TABLE}/big.bin`, data.length], [`/${TABLE}/small.txt`, 4]]);
    expect((await readFile(join(dir, 'files', TABLE, 'big.bin'))).equals(data)).toBe(true);
  });

  it('x-goog-hash and the object carry CRC32C as GCS encodes it: "123456789" in two pieces → crc32c=4waSgw== (0xE3069283, big-endian base64)', async () => {
    await start();
    // The CRC-32C check value (RFC 3720 B.4), across a chunk boundary so the running value is continued.
    const data = Buffer.concat([Buffer.alloc(K, 0x31), Buffer.from('123456789')]);
    const known = Buffer.from('123456789');
    const { url } = await createSession(known.length);
    const last = await put(url, `bytes 0-${known.length - 1}/${known.length}`, known);
    expect(last.json<{ crc32c: string }>().crc32c).toBe('4waSgw==');
    const two = await createSession(data.length);
    expect((await put(two.url, `bytes 0-${K - 1}/${data.length}`, data.subarray(0, K))).status).toBe(308);
    const end = await put(two.url, `bytes ${K}-${data.length - 1}/${data.length}`, data.subarray(K));
    expect(end.json<{ crc32c: string }>().crc32c).toBe(new Crc32c().update(data).base64());
  });

  it("option xmlFinalAnswer 'object' sends the JSON object on an XML-API session; googHash false drops x-goog-hash", async () => {
    for (const [o, json, hash] of [[{ xmlFinalAnswer: 'object' as const }, true, false], [{ googHash: false }, false, false]] as const) {
      await start(o);
      const res = await http.request({ method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/tempUploads`, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ tempUploads: [{ size: 3, name: 'a.csv', resumable: true }] }) });
      const t = res.json<{ results: { url: string }[] }>().results[0]!;
      const loc = (await http.request({ method: 'POST', url: t.url, headers: { 'x-goog-resumable': 'start' }, body: Buffer.alloc(0) })).headers['location']!;
      const last = await put(loc, 'bytes 0-2/3', Buffer.from('a,b'));
      expect([last.status, last.body.length > 0, last.headers['x-goog-hash'] !== undefined]).toEqual([200, json, hash]);
      await emu.close();
    }
  });

  it("serves HEAD, GET and DELETE at the official client's name URI (dots as underscores) and at the upload's own uri (by id), with hash and size once processed", async () => {
    await start();
    const data = randomBytes(1000);
    const s = await createSession(data.length);
    expect((await put(s.url, `bytes 0-999/1000`, data)).status).toBe(200);
    const u = (await finalize(s.id, 'my.data.csv')).json<{ uri: string; id: number }>();
    expect(u.uri).toBe(`/tables/${TABLE}/uploads/${u.id}`);
    const byName = `${emu.url}/api/v1/tables/${TABLE}/uploads/my_data_csv`;
    const head = await http.request({ method: 'HEAD', url: byName, headers: auth });
    expect([head.status, head.body.length]).toEqual([200, 0]);
    expect((await pollUntilDone(u.uri)).status).toBe('completed');
    const got = (await http.request({ method: 'GET', url: byName, headers: auth })).json();
    expect(got).toMatchObject({ name: 'my.data.csv', size: 1000, hash: createHash('md5').update(data).digest('hex') });
    expect((await http.request({ method: 'DELETE', url: byName, headers: auth })).status).toBe(204);
    expect((await http.request({ method: 'HEAD', url: byName, headers: auth })).status).toBe(404);
    expect(await emu.files()).toEqual([]);
  });

  it('option quotaBytes: an upload that does not fit is refused with the Redivis error body and quotaStatus', async () => {
    await start({ quotaBytes: 100, quotaStatus: 400 });
    const res = await http.request({ method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/tempUploads`, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ tempUploads: [{ size: 101, name: 'a.csv', resumable: true }] }) });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'storage_limit_exceeded', status: 400, error_description: expect.stringContaining('storage limit') as string });
    expect((await http.request({ method: 'POST', url: `${emu.url}/api/v1/tables/${TABLE}/resumableUpload?size=100`, headers: auth })).status).toBe(200);
    expect(emu.stats().sessionsCreated).toBe(1);
  });
});

describe('GCS session protocol (3.4)', () => {
  it('answers a status query before any byte with 308 and no Range (1: edge 5)', async () => {
    await start();
    const s = await createSession(3 * K);
    for (const q of ['bytes */*', `bytes */${3 * K}`]) {
      const r = await put(s.url, q);
      expect(r.status).toBe(308);
      expect(r.headers['range']).toBeUndefined();
    }
  });

  it('refuses a non-final chunk under 256 KiB with GCS\'s message, accepts a short final one (edge 1)', async () => {
    await start();
    const s = await createSession(K + 5);
    const r = await put(s.url, `bytes 0-${K - 2}/${K + 5}`, Buffer.alloc(K - 1));
    expect(r.status).toBe(400);
    expect(r.json<{ error: { message: string } }>().error.message).toContain('equal or greater than 262144');
    expect((await put(s.url, `bytes 0-${K - 1}/${K + 5}`, Buffer.alloc(K))).status).toBe(308);
    expect((await put(s.url, `bytes ${K}-${K + 4}/${K + 5}`, Buffer.alloc(5))).status).toBe(200);
  });

  it('keeps a non-multiple chunk whole by default, or only its aligned prefix when asked (edge 2)', async () => {
    await start();
    let s = await createSession(4 * K);
    let r = await put(s.url, `bytes 0-${K + 99}/${4 * K}`, Buffer.alloc(K + 100));
    expect(r.headers['range']).toBe(`bytes=0-${K + 99}`);
    await emu.close();
    await start({ unalignedChunks: 'aligned' });
    s = await createSession(4 * K);
    r = await put(s.url, `bytes 0-${K + 99}/${4 * K}`, Buffer.alloc(K + 100));
    expect(r.status).toBe(308);
    expect(r.headers['range']).toBe(`bytes=0-${K - 1}`);
  });

  it('ignores bytes it already holds: an overlapping chunk appends only the new tail, old bytes are not rewritten (edge 3)', async () => {
    await start();
    const data = randomBytes(3 * K);
    const s = await createSession(data.length);
    expect((await put(s.url, `bytes 0-${2 * K - 1}/${data.length}`, data.subarray(0, 2 * K))).headers['range']).toBe(`bytes=0-${2 * K - 1}`);
    // Resend from K with garbage in the overlap: GCS keeps what it had.
    const resend = Buffer.concat([Buffer.alloc(K, 0xee), data.subarray(2 * K)]);
    const r = await put(s.url, `bytes ${K}-${data.length - 1}/${data.length}`, resend);
    expect(r.status).toBe(200);
    const obj = r.json<{ size: string; md5Hash: string; crc32c: string; kind: string; bucket: string; name: string; generation: string }>();
    expect(obj).toMatchObject({ kind: 'storage#object', size: String(data.length) });
    expect(obj.md5Hash).toBe(createHash('md5').update(data).digest('base64'));
    expect(obj.crc32c).toBe(new Crc32c().update(data).base64());
    expect(obj.generation).toMatch(/^\d+$/);
  });

  it('refuses a gap with 400 by default, or drops it with a 308 when asked (edge 4)', async () => {
    await start();
    let s = await createSession(4 * K);
    await put(s.url, `bytes 0-${K - 1}/${4 * K}`, Buffer.alloc(K));
    let r = await put(s.url, `bytes ${2 * K}-${3 * K - 1}/${4 * K}`, Buffer.alloc(K));
    expect(r.status).toBe(400);
    expect(r.json<{ error: { message: string } }>().error.message).toMatch(/contiguous/);
    await emu.close();
    await start({ gaps: 'ignore' });
    s = await createSession(4 * K);
    await put(s.url, `bytes 0-${K - 1}/${4 * K}`, Buffer.alloc(K));
    r = await put(s.url, `bytes ${2 * K}-${3 * K - 1}/${4 * K}`, Buffer.alloc(K));
    expect(r.status).toBe(308);
    expect(r.headers['range']).toBe(`bytes=0-${K - 1}`);
  });

  it('completes on a status query once every byte is held, including an empty file in both spellings (edge 6, 3.3)', async () => {
    await start();
    const data = randomBytes(K + 7);
    const s = await createSession(data.length);
    await put(s.url, `bytes 0-${K - 1}/${data.length}`, data.subarray(0, K));
    // The last chunk lands whole but the connection is cut before the answer.
    emu.inject({ method: 'PUT', withBody: true, action: { kind: 'commit-then-reset' } });
    await expect(put(s.url, `bytes ${K}-${data.length - 1}/${data.length}`, data.subarray(K))).rejects.toMatchObject({ code: 'network' });
    const q = await put(s.url, `bytes */${data.length}`);
    expect(q.status).toBe(200);
    expect(q.json<{ size: string }>().size).toBe(String(data.length));
    for (const spelling of ['bytes */0', 'bytes 0--1/0']) {
      const e = await createSession(0);
      const r = await put(e.url, spelling);
      expect(r.status, spelling).toBe(200);
      expect(r.json()).toMatchObject({ size: '0', md5Hash: '1B2M2Y8AsgTpgAmY7PhCfg==' });
    }
  });

  it('refuses a total that differs from the declared size, and a Content-Length that differs from the range (edge 7)', async () => {
    await start();
    const s = await createSession(2 * K);
    expect((await put(s.url, `bytes 0-${K - 1}/${3 * K}`, Buffer.alloc(K))).status).toBe(400);
    expect((await put(s.url, `bytes */${3 * K}`)).status).toBe(400);
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(s.url);
      const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'PUT', headers: { 'content-range': `bytes 0-${K - 1}/${2 * K}`, 'content-length': String(K + 10) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(Buffer.alloc(K + 10));
    });
    expect(status).toBe(400);
    const q = await put(s.url, 'bytes */*');
    expect(q.status).toBe(308);
    expect(q.headers['range']).toBeUndefined();
  });

  it('answers DELETE with 499 and every later use with 404 (edge 8)', async () => {
    await start();
    const s = await createSession(2 * K);
    await put(s.url, `bytes 0-${K - 1}/${2 * K}`, Buffer.alloc(K));
    const del = await http.request({ method: 'DELETE', url: s.url });
    expect(del.status).toBe(499);
    expect((await put(s.url, `bytes */${2 * K}`)).status).toBe(404);
    expect((await http.request({ method: 'DELETE', url: s.url })).status).toBe(404);
    expect(emu.stats().sessionsDeleted).toBe(1);
  });

  it('forgets a session after 24 h of the injected clock with 404, or 410 when asked (edge 9)', async () => {
    for (const goneStatus of [404, 410] as const) {
      await start({ goneStatus });
      const s = await createSession(2 * K);
      clock += 24 * 3600 * 1000 - 1;
      expect((await put(s.url, `bytes */${2 * K}`)).status).toBe(308);
      clock += 1;
      expect((await put(s.url, `bytes */${2 * K}`)).status).toBe(goneStatus);
      await emu.close();
    }
  });

  it('answers any PUT after completion with 200 and the same object (edge 11)', async () => {
    await start();
    const s = await createSession(10);
    const first = await put(s.url, 'bytes 0-9/10', Buffer.alloc(10, 1));
    expect(first.status).toBe(200);
    for (const [range, body] of [['bytes */10', undefined], ['bytes */*', undefined], ['bytes 0-9/10', Buffer.alloc(10, 1)]] as const) {
      const r = await put(s.url, range, body);
      expect(r.status).toBe(200);
      expect(r.json()).toEqual(first.json());
    }
  });

  it('answers X-GUploader-No-308: yes with 200 and X-Http-Status-Code-Override: 308 (edge 12)', async () => {
    await start();
    const s = await createSession(2 * K);
    const r = await put(s.url, `bytes 0-${K - 1}/${2 * K}`, Buffer.alloc(K), { 'x-guploader-no-308': 'yes' });
    expect(r.status).toBe(200);
    expect(r.headers['x-http-status-code-override']).toBe('308');
    expect(r.headers['range']).toBe(`bytes=0-${K - 1}`);
  });

  it('counts bytes that reached the disk before a cut as held (partial persistence, row 2), and honours persistLimit', async () => {
    await start();
    const data = randomBytes(4 * K);
    const s = await createSession(data.length);
    emu.inject({ method: 'PUT', withBody: true, action: { kind: 'truncate', bytes: 100_000 } });
    await expect(put(s.url, `bytes 0-${2 * K - 1}/${data.length}`, data.subarray(0, 2 * K))).rejects.toMatchObject({ code: 'network' });
    expect((await put(s.url, `bytes */${data.length}`)).headers['range']).toBe('bytes=0-99999');
    await emu.close();
    await start({ persistLimit: K });
    const t = await createSession(data.length);
    const r = await put(t.url, `bytes 0-${2 * K - 1}/${data.length}`, data.subarray(0, 2 * K));
    expect(r.status).toBe(308);
    expect(r.headers['range']).toBe(`bytes=0-${K - 1}`);
  });

  it('opens sessions through the plain GCS JSON API (200 + Location) and stores the object as /bucket/name', async () => {
    await start();
    const init = await http.request({ method: 'POST', url: `${emu.url}/upload/storage/v1/b/rbucket/o?uploadType=resumable&name=dir/ext.bin`, headers: { 'content-type': 'application/json', 'x-upload-content-length': '5' }, body: '{}' });
    expect(init.status).toBe(200);
    const loc = init.headers['location']!;
    expect(loc).toMatch(/upload_id=/);
    expect((await put(loc, 'bytes 0-5/6', Buffer.alloc(6))).status).toBe(400);
    expect((await put(loc, 'bytes 0-4/5', Buffer.from('hello'))).status).toBe(200);
    expect(await emu.files()).toEqual([{ path: '/rbucket/dir/ext.bin', size: 5, sha256: createHash('sha256').update('hello').digest('hex') }]);
  });

  it('runs in discard mode: protocol checked, bytes counted, nothing stored', async () => {
    emu = await startRedivisEmulator({ discard: true, token: 'tok_SECRET_123' });
    const s = await createSession(K + 3);
    expect((await put(s.url, `bytes 0-${K - 2}/${K + 3}`, Buffer.alloc(K - 1))).status).toBe(400);
    expect((await put(s.url, `bytes 0-${K - 1}/${K + 3}`, Buffer.alloc(K))).headers['range']).toBe(`bytes=0-${K - 1}`);
    const last = await put(s.url, `bytes ${K}-${K + 2}/${K + 3}`, Buffer.alloc(3));
    expect(last.status).toBe(200);
    expect(last.json<{ md5Hash?: string }>().md5Hash).toBeUndefined();
    const u = (await finalize(s.id, 'd.bin')).json<{ uri: string }>();
    expect((await pollUntilDone(u.uri)).status).toBe('completed');
    expect(await emu.files()).toEqual([{ path: `/${TABLE}/d.bin`, size: K + 3, sha256: null }]);
    expect(emu.stats().bytesReceived).toBe(K + 3);
  });
});
