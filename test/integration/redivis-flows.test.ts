// The Redivis client's two upload flows against the emulator over loopback: the current one the
// official clients use (redivis-python `src/redivis/classes/Upload.py`, `common/retryable_upload.py`:
// tempUploads → x-goog-resumable: start → chunks → create with tempUploadId) and the seed document's
// `resumableUpload`; the empty final answer of XML-API sessions; name conflicts settled the way the
// official client does (HEAD/DELETE at the upload's name URI); a storage quota.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import type { Http } from '../../app/engine/http.js';
import type { Provider, UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';
import { createRedivisProvider } from '../../app/providers/redivis/client.js';
import { startRedivisEmulator, type RedivisEmulatorOptions } from '../../app/emulators/redivis/emulator.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorOptions } from '../../app/emulators/kit/emulator-types.js';
import { Crc32c } from '../../app/providers/redivis/crc32c.js';
import { drive } from '../helpers/redivis-drive.js';

const K = 262_144;
const TABLE = 'alice.survey.responses';
const TOKEN = 'tok_SECRET_123';
let dir: string;
let emu: RunningEmulator;
let http: UndiciHttp;
let calls: { method: string; url: string; headers: Record<string, string>; body?: string; answer?: { status: number; bytes: number; headers: Record<string, string> } }[];

async function start(o: Partial<EmulatorOptions> & RedivisEmulatorOptions = {}): Promise<RunningEmulator> {
  emu = await startRedivisEmulator({ dataDir: join(dir, 'server'), token: TOKEN, ...o });
  return emu;
}

function provider(options: Record<string, string> = {}): Provider {
  const recording: Http = {
    request: async (r) => {
      const c: (typeof calls)[number] = { method: r.method, url: r.url, headers: r.headers ?? {}, ...(typeof r.body === 'string' ? { body: r.body } : {}) };
      calls.push(c);
      const res = await http.request(r);
      c.answer = { status: res.status, bytes: res.body.length, headers: res.headers };
      return res;
    },
  };
  return createRedivisProvider({ clock: systemClock, endpoint: { url: emu.url, token: TOKEN }, http: recording, options: { pollIntervalMs: '1', ...options } });
}

function job(data: Buffer, name = 'responses.csv', conflict: ConflictPolicy = 'fail'): UploadJob {
  return { file: { path: `/home/alice/${name}`, name, size: data.length, mtimeMs: 0 }, target: { remotePath: `/${TABLE}/${name}`, conflict }, chunkSize: 2 * K, digests: {} };
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
/** The engine's crc32c form: hex of the big-endian value (GCS's base64 of the same 4 bytes). */
const crc = (b: Buffer): string => Buffer.from(new Crc32c().update(b).base64(), 'base64').toString('hex');
const stored = (name: string): Promise<Buffer> => readFile(join(dir, 'server', 'files', TABLE, name));
const api = (): string[] => emu.requests().filter((r) => r.path.startsWith('/api/')).map((r) => `${r.method} ${r.path}`);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-redivis-flows-'));
  http = new UndiciHttp({ idleTimeoutMs: 10_000 });
  calls = [];
});
afterEach(async () => {
  await http.close?.();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Redivis upload flows', () => {
  it('default: tempUploads → POST {url} x-goog-resumable: start → chunks to Location → create with tempUploadId', async () => {
    await start();
    const data = randomBytes(3 * K + 77);
    const { remote } = await drive(provider(), job(data), data);
    expect(md5(await stored('responses.csv'))).toBe(md5(data));
    expect(remote).toMatchObject({ path: `/${TABLE}/responses.csv`, size: data.length, hash: { algorithm: 'crc32c', value: crc(data) } });
    expect(api()).toEqual([
      `POST /api/v1/tables/${TABLE}/tempUploads`,
      `HEAD /api/v1/tables/${TABLE}/uploads/responses_csv`,
      `POST /api/v1/tables/${TABLE}/uploads`,
      ...api().slice(3).map(() => expect.stringMatching(/^GET \/api\/v1\/tables\/alice\.survey\.responses\/uploads\//) as unknown as string),
    ]);
    const temp = calls.find((c) => c.url.endsWith('/tempUploads'))!;
    expect(JSON.parse(temp.body!)).toEqual({ tempUploads: [{ size: data.length, name: 'responses.csv', resumable: true }] });
    const init = calls[1]!;
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'x-goog-resumable': 'start', 'x-upload-content-length': String(data.length) });
    const create = calls.find((c) => c.method === 'POST' && c.url.endsWith('/uploads'))!;
    expect(JSON.parse(create.body!)).toMatchObject({ name: 'responses.csv', tempUploadId: expect.any(String) as string });
    expect(JSON.parse(create.body!)).not.toHaveProperty('resumableUploadId');
    // Chunks went to the Location the initiation returned, with exact ranges, and carried no bearer.
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts.map((c) => c.headers['content-range'])).toEqual([`bytes 0-${2 * K - 1}/${data.length}`, `bytes ${2 * K}-${data.length - 1}/${data.length}`]);
    for (const c of calls.filter((x) => !x.url.startsWith(`${emu.url}/api/v1/`))) expect(c.headers['authorization'], c.url).toBeUndefined();
  });

  it("option uploadFlow 'resumableUpload': the seed document's flow (resumableUpload?size=N, create with resumableUploadId)", async () => {
    await start();
    const data = randomBytes(2 * K + 5);
    const { remote } = await drive(provider({ uploadFlow: 'resumableUpload' }), job(data), data);
    expect(remote.hash).toEqual({ algorithm: 'crc32c', value: crc(data) });
    expect(api().slice(0, 3)).toEqual([`POST /api/v1/tables/${TABLE}/resumableUpload`, `HEAD /api/v1/tables/${TABLE}/uploads/responses_csv`, `POST /api/v1/tables/${TABLE}/uploads`]);
    const create = calls.find((c) => c.method === 'POST' && c.url.endsWith('/uploads'))!;
    expect(JSON.parse(create.body!)).toMatchObject({ resumableUploadId: expect.any(String) as string });
    expect(() => provider({ uploadFlow: 'tus' })).toThrow(expect.objectContaining({ code: 'bad-input', message: expect.stringContaining('uploadFlow') }) as Error);
  });
});

describe('the empty final answer of an XML-API session', () => {
  it('an empty 200 on the last chunk is complete; x-goog-hash crc32c is the reported digest', async () => {
    await start();
    const data = randomBytes(K + 9);
    const p = provider();
    const sig = new AbortController().signal;
    const s = await p.create(job(data), sig);
    const st = await p.sendChunk(s, job(data), { index: 0, offset: 0, data, final: true }, { signal: sig });
    // The emulator's default for an XML-API session: 200, no body, digests in x-goog-hash.
    const last = calls.at(-1)!.answer!;
    expect(last).toMatchObject({ status: 200, bytes: 0 });
    expect(last.headers['x-goog-hash']).toMatch(/^crc32c=[A-Za-z0-9+/=]+,md5=[A-Za-z0-9+/=]+$/);
    expect(st).toEqual({ kind: 'complete', result: { path: `/${TABLE}/responses.csv`, size: data.length, hash: { algorithm: 'crc32c', value: crc(data) } } });
    // The status query after completion is answered the same way, and is complete too.
    expect(await p.status(s, job(data), sig)).toMatchObject({ kind: 'complete', result: { hash: { algorithm: 'crc32c', value: crc(data) } } });
  });

  it('whatever the flow, a 200 with no body (the Redivis page\'s words) completes the chunk and the status query', async () => {
    await start();
    const data = randomBytes(K + 9);
    const p = provider({ uploadFlow: 'resumableUpload' });
    const sig = new AbortController().signal;
    const s = await p.create(job(data), sig);
    const md5b64 = createHash('md5').update(data).digest('base64');
    emu.inject({ method: 'PUT', withBody: true, action: { kind: 'respond', status: 200, headers: { 'x-goog-hash': `md5=${md5b64}` } } });
    // Only an MD5 in x-goog-hash: that is what is reported.
    expect(await p.sendChunk(s, job(data), { index: 0, offset: 0, data, final: true }, { signal: sig }))
      .toEqual({ kind: 'complete', result: { path: `/${TABLE}/responses.csv`, size: data.length, hash: { algorithm: 'md5', value: md5(data) } } });
    emu.inject({ method: 'PUT', action: { kind: 'respond', status: 200, headers: { 'x-goog-hash': `crc32c=4waSgw==,md5=${md5b64}` } } });
    expect(await p.status(s, job(data), sig)).toMatchObject({ kind: 'complete', result: { hash: { algorithm: 'crc32c', value: 'e3069283' } } });
    emu.inject({ method: 'PUT', action: { kind: 'respond', status: 201 } });
    expect(await p.status(s, job(data), sig)).toEqual({ kind: 'complete', result: { path: `/${TABLE}/responses.csv`, size: data.length } });
  });

  it('a 2xx on a chunk that is not the last (Redivis\'s page: every chunk gets 200) is not completion: the session is asked, the rest sent', async () => {
    await start();
    const data = randomBytes(4 * K + 3);
    emu.inject({ method: 'PUT', withBody: true, after: 0, times: 1, action: { kind: 'respond', status: 200 } });
    const { remote, errors } = await drive(provider(), job(data), data);
    expect(errors.map((e) => e.code)).toEqual(['offset-mismatch']);
    expect(errors[0]!.message).toMatch(/responses\.csv.*HTTP 200 before the last byte/);
    expect(remote.hash?.value).toBe(crc(data));
    expect(md5(await stored('responses.csv'))).toBe(md5(data));
  });

  it('without x-goog-hash, the digest comes from the Redivis upload resource (hash) once processed', async () => {
    await start({ googHash: false });
    const data = randomBytes(2 * K + 100);
    const { remote } = await drive(provider(), job(data), data);
    expect(api()[0]).toBe(`POST /api/v1/tables/${TABLE}/tempUploads`);
    expect(remote).toMatchObject({ size: data.length, hash: { algorithm: 'md5', value: md5(data) } });
  });

  it('a lost answer on the last chunk is recovered by the status query (empty 200 again) and finishes', async () => {
    await start();
    const data = randomBytes(3 * K);
    emu.inject({ method: 'PUT', withBody: true, after: 1, action: { kind: 'commit-then-reset' } });
    const { remote, errors } = await drive(provider(), job(data), data);
    expect(errors.map((e) => e.code)).toEqual(['network']);
    expect(api()[0]).toBe(`POST /api/v1/tables/${TABLE}/tempUploads`);
    expect(remote.hash?.value).toBe(crc(data));
  });

  it('an upload resource whose size differs from the file is an integrity failure, not success', async () => {
    await start({ googHash: false });
    const data = randomBytes(K);
    const wrong = { kind: 'upload', uri: `/tables/${TABLE}/uploads/1`, id: 1, name: 'responses.csv', status: 'completed', size: 1, hash: null, errorMessage: null };
    emu.inject({ method: 'GET', path: '/uploads/', action: { kind: 'respond', status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(wrong) } });
    await expect(drive(provider(), job(data), data)).rejects.toMatchObject({ code: 'integrity', message: expect.stringContaining('responses.csv') });
  });
});

describe('name conflicts, as the official client settles them', () => {
  it('fail: HEAD finds the name (dots as underscores) and nothing is created', async () => {
    await start();
    const a = randomBytes(1000);
    await drive(provider(), job(a), a);
    const b = randomBytes(2000);
    const before = api().length;
    await expect(drive(provider(), job(b), b)).rejects.toMatchObject({ code: 'name-conflict', message: expect.stringContaining('responses.csv') });
    expect(api().slice(before)).toEqual([`POST /api/v1/tables/${TABLE}/tempUploads`, `HEAD /api/v1/tables/${TABLE}/uploads/responses_csv`]);
  });

  it('replace: DELETE at the name URI, then create; rename: the first free "name (n).ext"', async () => {
    await start();
    const a = randomBytes(1000);
    await drive(provider(), job(a), a);
    const b = randomBytes(2000);
    const before = api().length;
    await drive(provider(), job(b, 'responses.csv', 'replace'), b);
    expect(api().slice(before, before + 4)).toEqual([
      `POST /api/v1/tables/${TABLE}/tempUploads`, `HEAD /api/v1/tables/${TABLE}/uploads/responses_csv`,
      `DELETE /api/v1/tables/${TABLE}/uploads/responses_csv`, `POST /api/v1/tables/${TABLE}/uploads`,
    ]);
    expect(md5(await stored('responses.csv'))).toBe(md5(b));
    const c = randomBytes(3000);
    const { remote } = await drive(provider(), job(c, 'responses.csv', 'rename'), c);
    expect(remote.path).toBe(`/${TABLE}/responses (1).csv`);
    expect(calls.filter((x) => x.method === 'HEAD').map((x) => x.url.slice(emu.url.length)).slice(-2)).toEqual([
      `/api/v1/tables/${TABLE}/uploads/responses_csv`, `/api/v1/tables/${TABLE}/uploads/responses%20%281%29_csv`,
    ]);
    expect(md5(await stored('responses (1).csv'))).toBe(md5(c));
  });

  it('the emulator answers HEAD of a missing upload 404 with the error in X-REDIVIS-ERROR-PAYLOAD (no body)', async () => {
    await start();
    const res = await http.request({ method: 'HEAD', url: `${emu.url}/api/v1/tables/${TABLE}/uploads/nope_csv`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
    expect(res.body.length).toBe(0);
    expect(JSON.parse(decodeURIComponent(res.headers['x-redivis-error-payload']!))).toMatchObject({ error: 'not_found', status: 404 });
  });

  it('a 409 on create (a server that refuses duplicates) is still settled by the policy', async () => {
    await start();
    // Someone else took the name between our HEAD and our create.
    emu.inject({ method: 'POST', path: '/uploads', action: { kind: 'respond', status: 409, body: '{"error":"conflict","error_description":"An upload named responses.csv already exists","status":409}' } });
    const b = randomBytes(2000);
    await expect(drive(provider(), job(b), b)).rejects.toMatchObject({ code: 'name-conflict', context: { status: 409 } });
  });
});

describe('storage quota', () => {
  it("a quota answer from Redivis is FerryError 'quota', naming the file, before any byte is sent", async () => {
    await start({ quotaBytes: 1000 });
    const data = randomBytes(5000);
    await expect(provider().create(job(data), new AbortController().signal)).rejects.toMatchObject({ code: 'quota', message: expect.stringContaining('responses.csv') });
    expect(emu.requests().filter((r) => r.method === 'PUT')).toEqual([]);
  });
});
