// The Box emulator shaped like the real service (issue 9): the API and the upload service on two
// origins with their real path prefixes, folder listings that refuse deep offsets, and a full
// account's 403 storage_limit_exceeded. Each case also drives the client against it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { FerryError } from '../../app/common/errors.js';
import { classify } from '../../app/engine/classify.js';
import type { Provider, UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';
import { createBoxProvider } from '../../app/providers/box/client.js';
import { type BoxEmulatorOptions, type BoxRunningEmulator, startBoxEmulator } from '../../app/emulators/box/emulator.js';
import { EMULATORS } from '../../app/emulators/registry.js';

const PART = 64 * 1024;
const THRESHOLD = 3 * PART;

let dir: string;
let emu: BoxRunningEmulator;
let http: UndiciHttp;
const signal = new AbortController().signal;

async function start(o: BoxEmulatorOptions = {}): Promise<void> {
  emu = await startBoxEmulator({ dataDir: join(dir, 'emu'), partSize: PART, minSessionFileSize: THRESHOLD, ...o });
}

async function call(method: string, url: string, json?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${emu.token}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await request(url, { method: method as 'GET', headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

/** The client as `ferry emulate box` users get it: the registry's endpoint, uploadUrl included. */
function provider(): Provider {
  const ep = EMULATORS.box.endpointFor(emu);
  return createBoxProvider({ endpoint: { url: ep.url, token: emu.token }, http, clock: systemClock, options: { ...ep.options, minSessionFileSize: String(THRESHOLD) } });
}

async function upload(p: Provider, remotePath: string, size: number, conflict: UploadJob['target']['conflict'] = 'fail'): Promise<string> {
  const data = randomBytes(size);
  const path = join(dir, `local-${randomBytes(4).toString('hex')}`);
  await fsp.writeFile(path, data);
  const job: UploadJob = { file: { path, name: 'f', size, mtimeMs: 0 }, target: { remotePath, conflict }, chunkSize: PART, digests: {} };
  const s = await p.create(job, signal);
  for (let off = 0, i = 0; off < size || (size === 0 && i === 0); off += s.chunkSize, i++) {
    const after = await p.sendChunk(s, job, { index: i, offset: off, data: data.subarray(off, Math.min(size, off + s.chunkSize)), final: off + s.chunkSize >= size }, { signal });
    if (after?.kind === 'complete') return after.result!.path;
  }
  return (await p.finish(s, job, { sha1: createHash('sha1').update(data).digest('hex') }, signal)).path;
}

async function failure(p: Promise<unknown>): Promise<FerryError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FerryError);
  return e as FerryError;
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-box-real-'));
  http = new UndiciHttp({ idleTimeoutMs: 10_000 });
});

afterEach(async () => {
  await http.close?.();
  await emu?.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('two origins, as api.box.com and upload.box.com/api', () => {
  it('serves uploads only under {uploadUrl}/2.0 and API calls only under {url}/2.0', async () => {
    await start();
    expect(new URL(emu.uploadUrl).origin).not.toBe(new URL(emu.url).origin);
    expect(new URL(emu.uploadUrl).pathname).toBe('/api');
    const body = { folder_id: '0', file_size: THRESHOLD, file_name: 'a.bin' };
    // The URL Ferry used to build from the API base, and the API origin without /api: both 404.
    expect((await call('POST', `${emu.url}/api/2.0/files/upload_sessions`, body)).status).toBe(404);
    expect((await call('POST', `${emu.url}/2.0/files/upload_sessions`, body)).status).toBe(404);
    const s = await call('POST', `${emu.uploadUrl}/2.0/files/upload_sessions`, body);
    expect(s.status).toBe(201);
    expect(s.json.session_endpoints.upload_part).toBe(`${emu.uploadUrl}/2.0/files/upload_sessions/${s.json.id}`);
    // API calls and the pre-flight live on the API origin only.
    expect((await call('GET', `${emu.url}/2.0/folders/0`)).status).toBe(200);
    expect((await call('GET', `${emu.uploadUrl}/2.0/folders/0`)).status).toBe(404);
    expect((await call('OPTIONS', `${emu.url}/2.0/files/content`, { name: 'b.bin', parent: { id: '0' }, size: 1 })).json.upload_url).toBe(`${emu.uploadUrl}/2.0/files/content`);
    // The emulator's own routes stay on the API origin.
    expect((await call('GET', `${emu.url}/_emulator/stats`)).status).toBe(200);
    expect((await call('GET', `${new URL(emu.uploadUrl).origin}/_emulator/stats`)).status).toBe(404);
  });

  it('close() closes both origins', async () => {
    await start();
    const ports = [emu.url, emu.uploadUrl].map((u) => Number(new URL(u).port));
    await emu.close();
    for (const port of ports) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect({ port, host: '127.0.0.1' });
        s.once('connect', () => { s.destroy(); resolve(false); });
        s.once('error', () => resolve(true));
      });
      expect(refused, `port ${port} still accepts connections`).toBe(true);
    }
  });

  it('the registry endpoint carries uploadUrl; the client uploads a small and a session file through it', async () => {
    await start();
    expect(EMULATORS.box.endpointFor(emu)).toStrictEqual({ url: emu.url, options: { uploadUrl: emu.uploadUrl } });
    expect(await upload(provider(), '/d/small.bin', 1000)).toBe('/d/small.bin');
    expect(await upload(provider(), '/d/big.bin', 4 * PART + 1)).toBe('/d/big.bin');
    expect((await emu.files()).map((f) => f.path)).toEqual(['/d/big.bin', '/d/small.bin']);
    const origins = new Set(emu.requests().filter((r) => r.status === 404).map((r) => r.path));
    expect([...origins]).toEqual([]);
  });

  it('a client given only the emulator URL says which option is missing instead of meeting 404s', async () => {
    await start();
    const e = await failure((async () => createBoxProvider({ endpoint: { url: emu.url, token: emu.token }, http, clock: systemClock }))());
    expect(e.code).toBe('bad-input');
    expect(e.message).toMatch(/uploadUrl/);
  });
});

describe('folder listings: offset paging ends at 10,000', () => {
  it('the emulator refuses offset > 10000 with 400 and pages by marker', async () => {
    await start({ maxPageLimit: 2 });
    expect((await call('GET', `${emu.url}/2.0/folders/0/items?offset=10001`)).status).toBe(400);
    expect((await call('GET', `${emu.url}/2.0/folders/0/items?offset=10000`)).status).toBe(200);
    for (const name of ['a', 'b', 'c']) expect((await call('POST', `${emu.url}/2.0/folders`, { name, parent: { id: '0' } })).status).toBe(201);
    const first = await call('GET', `${emu.url}/2.0/folders/0/items?usemarker=true&limit=2`);
    expect(first.json.entries.map((e: { name: string }) => e.name)).toEqual(['a', 'b']);
    expect(first.json.total_count).toBeUndefined();
    expect(typeof first.json.next_marker).toBe('string');
    const second = await call('GET', `${emu.url}/2.0/folders/0/items?usemarker=true&limit=2&marker=${encodeURIComponent(first.json.next_marker)}`);
    expect(second.json.entries.map((e: { name: string }) => e.name)).toEqual(['c']);
    expect(second.json.next_marker ?? null).toBeNull();
    expect((await call('GET', `${emu.url}/2.0/folders/0/items?usemarker=true&marker=not-a-marker`)).status).toBe(400);
  });

  it('rename in a folder whose names run past the offset limit still finds the first free name', async () => {
    // Limits scaled down (a page of 2, offsets up to 4) so that 9 names cross the limit.
    await start({ maxPageLimit: 2, maxItemsOffset: 4 });
    const p = provider();
    await upload(p, '/x.bin', 10);
    for (let n = 1; n <= 8; n++) await upload(p, `/x (${n}).bin`, 10);
    expect(await upload(provider(), '/x.bin', 10, 'rename')).toBe('/x (9).bin');
    expect(emu.requests().filter((r) => r.status === 400)).toEqual([]);
  });
});

describe('a full account: 403 storage_limit_exceeded', () => {
  it.each([['small', 1000], ['session', 4 * PART]])('is a quota error that is not retried (%s)', async (_label, size) => {
    await start({ storageLimitBytes: 2000 });
    await upload(provider(), '/first.bin', 1500);
    const e = await failure(upload(provider(), '/second.bin', size));
    expect(e.code).toBe('quota');
    expect(e.context.status).toBe(403);
    expect(e.context.serverCode).toBe('storage_limit_exceeded');
    expect(classify(e).kind).toBe('permanent');
    expect((await emu.files()).map((f) => f.path)).toEqual(['/first.bin']);
  });

  it('the emulator answers the pre-flight, the session create and the simple upload with it', async () => {
    await start({ storageLimitBytes: 10 });
    const pre = await call('OPTIONS', `${emu.url}/2.0/files/content`, { name: 'a.bin', parent: { id: '0' }, size: 11 });
    expect(pre.status).toBe(403);
    expect(pre.json).toMatchObject({ type: 'error', status: 403, code: 'storage_limit_exceeded' });
    const s = await call('POST', `${emu.uploadUrl}/2.0/files/upload_sessions`, { folder_id: '0', file_size: THRESHOLD, file_name: 'a.bin' });
    expect(s.status).toBe(403);
    expect(s.json.code).toBe('storage_limit_exceeded');
  });
});
