// The Box emulator on its own, spoken to in raw HTTP: protocols.md 5.8, one edge case at a time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { type BoxEmulatorOptions, type BoxRunningEmulator, startBoxEmulator } from '../../app/emulators/box/emulator.js';
import { buildMultipart } from '../../app/providers/box/multipart.js';
import type { BoxPart, BoxUploadSession } from '../../app/providers/box/wire.js';

const PART = 1024;
const SIZE = 4 * PART + 100;
const MIN = 2 * PART;

let dir: string;
let emu: BoxRunningEmulator;
let clock: number;
let data: Buffer;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

async function call(method: string, url: string, o: { json?: unknown; body?: Buffer | AsyncIterable<Buffer>; headers?: Record<string, string>; token?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${o.token ?? emu.token}`, ...(o.headers ?? {}) };
  let body = o.body;
  if (o.json !== undefined) {
    body = Buffer.from(JSON.stringify(o.json));
    headers['content-type'] = 'application/json';
  }
  // Paths under /api belong to the upload origin, the rest to the API origin, as on Box.
  const full = url.startsWith('http') ? url : url.startsWith('/api/') ? new URL(emu.uploadUrl).origin + url : emu.url + url;
  const res = await request(full, { method: method as 'GET', headers, body: body as Buffer });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function start(o: BoxEmulatorOptions & { discard?: boolean } = {}): Promise<void> {
  emu = await startBoxEmulator({ ...(o.discard ? {} : { dataDir: join(dir, 'emu') }), partSize: PART, minSessionFileSize: MIN, now: () => clock, ...o });
}

const b64sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('base64');
const part = (i: number): Buffer => data.subarray(i * PART, Math.min(SIZE, (i + 1) * PART));
const range = (i: number): string => `bytes ${i * PART}-${i * PART + part(i).length - 1}/${SIZE}`;

async function session(name = 'f.bin', folder = '0'): Promise<BoxUploadSession> {
  const r = await call('POST', '/api/2.0/files/upload_sessions', { json: { folder_id: folder, file_size: SIZE, file_name: name } });
  expect(r.status).toBe(201);
  return r.json as BoxUploadSession;
}

function putPart(s: BoxUploadSession, i: number, o: { bytes?: Buffer; digest?: string | null; range?: string } = {}): Promise<Answer> {
  const bytes = o.bytes ?? part(i);
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-range': o.range ?? range(i) };
  if (o.digest !== null) headers.digest = o.digest ?? `sha=${b64sha1(bytes)}`;
  return call('PUT', s.session_endpoints.upload_part, { body: bytes, headers });
}

async function allParts(s: BoxUploadSession): Promise<BoxPart[]> {
  const out: BoxPart[] = [];
  for (let i = 0; i < 5; i++) out.push((await putPart(s, i)).json.part);
  return out;
}

const commit = (s: BoxUploadSession, parts: BoxPart[], digest = `sha=${b64sha1(data)}`): Promise<Answer> =>
  call('POST', s.session_endpoints.commit, { json: { parts }, headers: { digest } });

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-box-emu-'));
  clock = Date.UTC(2026, 5, 1);
  data = randomBytes(SIZE);
});

afterEach(async () => {
  await emu?.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('Box emulator: sessions (5.1, 5.5)', () => {
  it('create answers the UploadSession shape with the configured part size and 7-day expiry', async () => {
    await start();
    const s = await session();
    expect(s).toMatchObject({ type: 'upload_session', part_size: PART, total_parts: 5, num_parts_processed: 0 });
    expect(Date.parse(s.session_expires_at)).toBe(clock + 7 * 24 * 3600 * 1000);
    expect(s.session_endpoints.upload_part).toBe(`${emu.uploadUrl}/2.0/files/upload_sessions/${s.id}`);
    expect(s.session_endpoints.list_parts).toBe(`${s.session_endpoints.upload_part}/parts`);
    expect(s.session_endpoints.commit).toBe(`${s.session_endpoints.upload_part}/commit`);
  });

  it('5.8.1 and create errors: Box error bodies with the documented codes', async () => {
    await start();
    const create = (json: unknown): Promise<Answer> => call('POST', '/api/2.0/files/upload_sessions', { json });
    const small = await create({ folder_id: '0', file_size: MIN - 1, file_name: 'a' });
    expect(small.status).toBe(400);
    expect(small.json).toMatchObject({ type: 'error', status: 400, code: 'file_size_too_small' });
    expect(typeof small.json.request_id).toBe('string');
    expect((await create({ file_size: SIZE, file_name: 'a' })).json.code).toBe('missing_destination');
    expect((await create({ folder_id: '0', file_name: 'a' })).json.code).toBe('missing_file_size');
    expect((await create({ folder_id: '0', file_size: SIZE })).json.code).toBe('missing_file_name');
    expect((await create({ folder_id: '0', file_size: SIZE, file_name: 'a/b' })).json.code).toBe('item_name_invalid');
    expect((await create({ folder_id: '0', file_size: -1, file_name: 'a' })).json.code).toBe('invalid_file_size');
    expect((await create({ folder_id: '999', file_size: SIZE, file_name: 'a' })).status).toBe(404);
  });

  it('status GET reports num_parts_processed as parts arrive', async () => {
    await start();
    const s = await session();
    await putPart(s, 2);
    await putPart(s, 0);
    const st = await call('GET', s.session_endpoints.status);
    expect(st.json).toMatchObject({ id: s.id, num_parts_processed: 2, total_parts: 5 });
  });

  it('5.8.9: DELETE → 204, then 404 on every session URL', async () => {
    await start();
    const s = await session();
    const p0 = (await putPart(s, 0)).json.part;
    expect((await call('DELETE', s.session_endpoints.abort)).status).toBe(204);
    expect((await call('GET', s.session_endpoints.status)).status).toBe(404);
    expect((await call('GET', s.session_endpoints.list_parts)).status).toBe(404);
    expect((await putPart(s, 1)).status).toBe(404);
    expect((await commit(s, [p0])).status).toBe(404);
    expect((await call('DELETE', s.session_endpoints.abort)).status).toBe(404);
    expect(emu.stats()).toMatchObject({ sessionsCreated: 1, sessionsDeleted: 1 });
    expect(await fsp.readdir(join(dir, 'emu', 'sessions'))).toEqual([]);
  });

  it('5.8.10: a session older than 7 days (injected clock) is a 404', async () => {
    await start();
    const s = await session();
    clock += 7 * 24 * 3600 * 1000 - 1;
    expect((await putPart(s, 0)).status).toBe(200);
    clock += 2;
    expect((await call('GET', s.session_endpoints.status)).status).toBe(404);
    expect((await putPart(s, 1)).status).toBe(404);
  });

  it('5.8.12: a duplicate create is 409 session_conflict with the open session (option), else a second session', async () => {
    await start({ sessionConflict: true });
    const s = await session('dup.bin');
    const again = await call('POST', '/api/2.0/files/upload_sessions', { json: { folder_id: '0', file_size: SIZE, file_name: 'dup.bin' } });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'session_conflict', context_info: { session: { id: s.id } } });
    await emu.close();
    await start();
    const a = await session('dup.bin');
    const b = await session('dup.bin');
    expect(a.id).not.toBe(b.id);
  });
});

describe('Box emulator: parts (5.2, 5.3)', () => {
  it('5.8.2: misaligned, wrong-size, wrong-end and wrong-total ranges are 416; a missing range is 400', async () => {
    await start();
    const s = await session();
    const bytes = part(0);
    const at = (r: string, b = bytes): Promise<Answer> => putPart(s, 0, { range: r, bytes: b });
    expect((await at(`bytes 1-${PART}/${SIZE}`)).status).toBe(416);
    expect((await at(`bytes 0-${PART - 2}/${SIZE}`, bytes.subarray(1))).status).toBe(416);
    expect((await at(`bytes ${4 * PART}-${SIZE - 2}/${SIZE}`, data.subarray(4 * PART, SIZE - 1))).status).toBe(416);
    expect((await at(`bytes 0-${PART - 1}/${SIZE + 1}`)).status).toBe(416);
    expect((await at('bytes=0-1023')).status).toBe(416);
    const missing = await call('PUT', s.session_endpoints.upload_part, { body: bytes, headers: { digest: `sha=${b64sha1(bytes)}` } });
    expect(missing.status).toBe(400);
    expect((await call('GET', s.session_endpoints.list_parts)).json.total_count).toBe(0);
  });

  it('a part body longer than its range (chunked encoding) is 416 and does not touch the next part', async () => {
    await start();
    const s = await session();
    const p1 = (await putPart(s, 1)).json.part as BoxPart;
    async function* longer(): AsyncIterable<Buffer> {
      yield part(0);
      yield Buffer.alloc(PART, 0x55);
    }
    const r = await call('PUT', s.session_endpoints.upload_part, { body: longer(), headers: { 'content-range': range(0), digest: `sha=${b64sha1(part(0))}` } });
    expect(r.status).toBe(416);
    const rest = [p1];
    for (const i of [0, 2, 3, 4]) rest.push((await putPart(s, i)).json.part);
    expect((await commit(s, rest.sort((a, b) => a.offset - b.offset))).status).toBe(201);
    expect((await fsp.readFile(join(dir, 'emu', 'files', 'f.bin'))).equals(data)).toBe(true);
  });

  it('5.8.3: re-uploading a held range is 416 range_overlaps_existing_part with the conflicting part', async () => {
    await start();
    const s = await session();
    const first = (await putPart(s, 1)).json.part;
    expect(first).toMatchObject({ offset: PART, size: PART, sha1: createHash('sha1').update(part(1)).digest('hex') });
    const again = await putPart(s, 1);
    expect(again.status).toBe(416);
    expect(again.json).toMatchObject({ code: 'range_overlaps_existing_part', context_info: { conflicting_part: first } });
  });

  it('5.8.4: a wrong part digest is 412 (or the configured status) and stores no part; missing or malformed Digest is 400', async () => {
    await start();
    const s = await session();
    const wrong = await putPart(s, 0, { digest: `sha=${b64sha1(Buffer.from('other'))}` });
    expect(wrong.status).toBe(412);
    expect((await putPart(s, 0, { digest: null })).json).toMatchObject({ status: 400, code: 'missing_digest' });
    expect((await putPart(s, 0, { digest: 'md5=abc' })).status).toBe(400);
    expect((await call('GET', s.session_endpoints.list_parts)).json.total_count).toBe(0);
    // The range is still free: the correct bytes go in.
    expect((await putPart(s, 0)).status).toBe(200);
    const sha256 = createHash('sha256').update(part(1)).digest('base64');
    expect((await putPart(s, 1, { digest: `sha-256=${sha256}` })).status).toBe(200);
    await emu.close();
    await start({ partDigestMismatchStatus: 400 });
    const t = await session();
    expect((await putPart(t, 0, { digest: `sha=${b64sha1(Buffer.from('x'))}` })).status).toBe(400);
  });

  it('5.8.5: parts in parallel and out of order are accepted and assemble byte-identically', async () => {
    await start();
    const s = await session();
    const answers = await Promise.all([3, 1, 4, 0, 2].map((i) => putPart(s, i)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const parts = answers.map((a) => a.json.part as BoxPart).sort((a, b) => a.offset - b.offset);
    const done = await commit(s, parts);
    expect(done.status).toBe(201);
    expect((await fsp.readFile(join(dir, 'emu', 'files', 'f.bin'))).equals(data)).toBe(true);
  });

  it('5.8.11: list_parts pages by entry index, caps limit, rejects offset > 10,000', async () => {
    await start({ maxPageLimit: 2 });
    const s = await session();
    await allParts(s);
    const page = (q: string): Promise<Answer> => call('GET', `${s.session_endpoints.list_parts}${q}`);
    const first = await page('?offset=0&limit=1000');
    expect(first.json).toMatchObject({ total_count: 5, limit: 2, offset: 0 });
    expect(first.json.entries.map((p: BoxPart) => p.offset)).toEqual([0, PART]);
    expect((await page('?offset=4&limit=2')).json.entries.map((p: BoxPart) => p.offset)).toEqual([4 * PART]);
    expect((await page('?offset=5')).json.entries).toEqual([]);
    expect((await page('?offset=10001')).status).toBe(400);
    expect((await page('?offset=-1')).status).toBe(400);
  });
});

describe('Box emulator: commit (5.4)', () => {
  it('5.8.6: a wrong whole-file digest is 400 digest_mismatch and stores nothing', async () => {
    await start();
    const s = await session();
    const parts = await allParts(s);
    const r = await commit(s, parts, `sha=${b64sha1(Buffer.from('not the file'))}`);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'digest_mismatch' });
    expect(r.json.message).toMatch(/^File digest was incorrect/);
    expect(await emu.files()).toEqual([]);
    // The session survives: the right digest then commits.
    expect((await commit(s, parts)).status).toBe(201);
  });

  it('5.8.7: 202 + Retry-After while "processing" (count and seconds are options), then 201 with the File', async () => {
    await start({ commitAcceptedCount: 2, retryAfterSeconds: 0 });
    const s = await session();
    const parts = await allParts(s);
    const a = await commit(s, parts);
    expect(a.status).toBe(202);
    expect(a.headers['retry-after']).toBe('0');
    expect((await commit(s, parts)).status).toBe(202);
    const done = await commit(s, parts);
    expect(done.status).toBe(201);
    expect(done.json.total_count).toBe(1);
    expect(done.json.entries[0]).toMatchObject({
      type: 'file', name: 'f.bin', size: SIZE, sha1: createHash('sha1').update(data).digest('hex'),
      parent: { type: 'folder', id: '0' }, etag: '0',
    });
    expect(typeof done.json.entries[0].id).toBe('string');
  });

  it('a commit that lists a part twice, misses one, or invents one is 400', async () => {
    await start();
    const s = await session();
    const parts = await allParts(s);
    expect((await commit(s, parts.slice(1))).status).toBe(400);
    expect((await commit(s, [...parts.slice(0, 4), parts[0]!])).status).toBe(400);
    expect((await commit(s, [...parts.slice(0, 4), { ...parts[4]!, part_id: 'FFFFFFFF' }])).status).toBe(400);
    expect((await commit(s, parts)).status).toBe(201);
  });

  it('5.8.8: a name taken since create is 409 item_name_in_use with the conflicting file', async () => {
    await start();
    const s = await session('taken.bin');
    const parts = await allParts(s);
    const { body, contentType } = buildMultipart([
      { name: 'attributes', data: Buffer.from(JSON.stringify({ name: 'TAKEN.bin', parent: { id: '0' } })) },
      { name: 'file', filename: 'TAKEN.bin', data: Buffer.from('hello') },
    ]);
    const simple = await call('POST', '/api/2.0/files/content', { body, headers: { 'content-type': contentType } });
    expect(simple.status).toBe(201);
    const r = await commit(s, parts);
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ code: 'item_name_in_use', context_info: { conflicts: { type: 'file', id: simple.json.entries[0].id } } });
  });

  it('a new-version session replaces the bytes under the same file id', async () => {
    await start();
    const s = await session('v.bin');
    const created = (await commit(s, await allParts(s))).json.entries[0];
    data = randomBytes(SIZE);
    const v = await call('POST', `/api/2.0/files/${created.id}/upload_sessions`, { json: { file_size: SIZE } });
    expect(v.status).toBe(201);
    const r = await commit(v.json, await allParts(v.json));
    expect(r.status).toBe(201);
    expect(r.json.entries[0]).toMatchObject({ id: created.id, etag: '1' });
    expect((await fsp.readFile(join(dir, 'emu', 'files', 'v.bin'))).equals(data)).toBe(true);
  });

  it('row 29 option: File objects carry a wrong sha1', async () => {
    await start({ wrongFileSha1: true });
    const s = await session();
    const r = await commit(s, await allParts(s));
    expect(r.json.entries[0].sha1).toMatch(/^[0-9a-f]{40}$/);
    expect(r.json.entries[0].sha1).not.toBe(createHash('sha1').update(data).digest('hex'));
  });
});

describe('Box emulator: simple upload, folders, auth, modes', () => {
  it('simple upload: multipart attributes then file; 409 on a taken name; attributes after file is 400', async () => {
    await start();
    const up = (parts: Parameters<typeof buildMultipart>[0]): Promise<Answer> => {
      const { body, contentType } = buildMultipart(parts);
      return call('POST', '/api/2.0/files/content', { body, headers: { 'content-type': contentType } });
    };
    const attrs = { name: 'attributes', data: Buffer.from(JSON.stringify({ name: 'e.bin', parent: { id: '0' } })) };
    const file = { name: 'file', filename: 'e.bin', contentType: 'application/octet-stream', data: Buffer.alloc(0) };
    const r = await up([attrs, file]);
    expect(r.status).toBe(201);
    expect(r.json.entries[0]).toMatchObject({ name: 'e.bin', size: 0, sha1: createHash('sha1').digest('hex') });
    expect((await up([attrs, file])).json).toMatchObject({ status: 409, code: 'item_name_in_use', context_info: { conflicts: { id: r.json.entries[0].id } } });
    expect((await up([file, attrs])).json).toMatchObject({ status: 400, code: 'metadata_after_file_contents' });
    const pre = await call('OPTIONS', '/2.0/files/content', { json: { name: 'e.bin', parent: { id: '0' }, size: 1 } });
    expect(pre.json).toMatchObject({ status: 409, code: 'item_name_in_use' });
    expect((await call('OPTIONS', '/2.0/files/content', { json: { name: 'new.bin', parent: { id: '0' }, size: 1 } })).status).toBe(200);
  });

  it('folders: root 0, create, 409 with conflicts as an array, paged items; /_emulator/files shows folder paths', async () => {
    await start({ maxPageLimit: 2 });
    const mk = (name: string, parent: string): Promise<Answer> => call('POST', '/2.0/folders', { json: { name, parent: { id: parent } } });
    const a = await mk('a', '0');
    expect(a.json).toMatchObject({ type: 'folder', name: 'a', parent: { id: '0' } });
    const b = await mk('b', a.json.id);
    const clash = await mk('A', '0');
    expect(clash.json).toMatchObject({ status: 409, code: 'item_name_in_use', context_info: { conflicts: [{ type: 'folder', id: a.json.id }] } });
    for (const n of ['x', 'y', 'z']) await mk(n, '0');
    const items = await call('GET', '/2.0/folders/0/items?offset=2&limit=100');
    expect(items.json).toMatchObject({ total_count: 4, offset: 2, limit: 2 });
    expect(items.json.entries.map((e: { name: string }) => e.name)).toEqual(['y', 'z']);
    const s = await session('c.bin', b.json.id);
    await commit(s, await allParts(s));
    expect((await emu.files()).map((f) => f.path)).toEqual(['/a/b/c.bin']);
    expect((await call('GET', '/2.0/folders/nope/items')).status).toBe(404);
  });

  it('a wrong token is 401 everywhere', async () => {
    await start();
    expect((await call('POST', '/api/2.0/files/upload_sessions', { json: {}, token: 'bad' })).status).toBe(401);
    expect((await call('GET', '/2.0/folders/0/items', { token: 'bad' })).status).toBe(401);
  });

  it('discard mode checks the protocol, counts bytes and stores nothing', async () => {
    await start({ discard: true });
    const s = await session();
    expect((await putPart(s, 0, { range: `bytes 1-${PART}/${SIZE}` })).status).toBe(416);
    const r = await commit(s, await allParts(s));
    expect(r.status).toBe(201);
    expect(await emu.files()).toEqual([{ path: '/f.bin', size: SIZE, sha256: null }]);
    expect(emu.stats().bytesReceived).toBeGreaterThanOrEqual(SIZE);
  });

  it('a restarted emulator on the same data directory knows its files and folders', async () => {
    await start();
    const f = (await call('POST', '/2.0/folders', { json: { name: 'keep', parent: { id: '0' } } })).json;
    const s = await session('k.bin', f.id);
    await commit(s, await allParts(s));
    await putPart(await session('left-open.bin'), 0);
    await emu.close();
    await start();
    // The open session died with the process; its part file does not linger.
    await expect(fsp.readdir(join(dir, 'emu', 'sessions'))).rejects.toThrow();
    const root = await call('GET', '/2.0/folders/0/items');
    const keep = root.json.entries.find((e: { name: string }) => e.name === 'keep');
    const inside = await call('GET', `/2.0/folders/${keep.id}/items`);
    expect(inside.json.entries).toMatchObject([{ type: 'file', name: 'k.bin', sha1: createHash('sha1').update(data).digest('hex') }]);
  });
});
