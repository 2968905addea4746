// Our tus emulator spoken to in raw HTTP: every status the tus 1.0 spec names, the extensions it
// advertises, and what ends up on disk. This is the emulator's own fidelity to the spec.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startTusEmulator, type RunningTusEmulator, type TusEmulatorOptions } from '../../app/emulators/tus/emulator.js';
import type { EmulatorOptions } from '../../app/emulators/kit/emulator-types.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Answer { status: number; headers: Record<string, string>; text: string }

async function setup(o: Partial<EmulatorOptions> & TusEmulatorOptions = {}) {
  const dataDir = o.discard ? undefined : await fsp.mkdtemp(join(tmpdir(), 'ferry-tus-raw-'));
  const emu: RunningTusEmulator = await startTusEmulator({ ...(dataDir ? { dataDir } : {}), token: 'tok', ...o });
  cleanups.push(async () => { await emu.close(); if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true }); });
  const call = async (method: string, url: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> => {
    const res = await request(url, { method: method as 'GET', headers: { authorization: 'Bearer tok', 'tus-resumable': '1.0.0', ...headers }, ...(body ? { body } : {}) });
    const text = await res.body.text();
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v;
    return { status: res.statusCode, headers: h, text };
  };
  const create = async (length: number | 'defer', headers: Record<string, string> = {}): Promise<string> => {
    const a = await call('POST', emu.url, { ...(length === 'defer' ? { 'upload-defer-length': '1' } : { 'upload-length': String(length) }), ...headers });
    expect(a.status).toBe(201);
    return new URL(a.headers['location']!, emu.url).href;
  };
  const patch = (url: string, offset: number, data: Buffer, headers: Record<string, string> = {}) =>
    call('PATCH', url, { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', ...headers }, data);
  const offsetOf = async (url: string): Promise<string | undefined> => (await call('HEAD', url)).headers['upload-offset'];
  return { emu, dataDir, call, create, patch, offsetOf };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sha1 = (d: Buffer) => createHash('sha1').update(d).digest('base64');

describe('tus emulator, spoken to in raw HTTP', () => {
  it('OPTIONS needs no auth and lists version, extensions, checksum algorithms and max size', async () => {
    const { emu } = await setup({ maxSize: 5000 });
    const res = await request(emu.url, { method: 'OPTIONS' });
    await res.body.text();
    expect(res.statusCode).toBe(204);
    expect(res.headers['tus-version']).toBe('1.0.0');
    expect(String(res.headers['tus-extension']).split(',')).toEqual(['creation', 'creation-with-upload', 'creation-defer-length', 'termination', 'expiration', 'checksum']);
    expect(res.headers['tus-checksum-algorithm']).toBe('sha1,md5');
    expect(res.headers['tus-max-size']).toBe('5000');
  });

  it('demands the bearer token (401) unless requireAuth is off', async () => {
    const { emu, call } = await setup();
    const a = await call('POST', emu.url, { 'upload-length': '1', authorization: 'Bearer nope' });
    expect(a.status).toBe(401);
    expect(a.headers['www-authenticate']).toBe('Bearer');
    const open = await setup({ requireAuth: false });
    expect((await open.call('POST', open.emu.url, { 'upload-length': '1', authorization: '' })).status).toBe(201);
  });

  it('412 with Tus-Version when Tus-Resumable is missing or another version', async () => {
    const { emu, call } = await setup();
    for (const v of ['', '0.2.2']) {
      const a = await call('POST', emu.url, { 'upload-length': '1', 'tus-resumable': v });
      expect(a.status).toBe(412);
      expect(a.headers['tus-version']).toBe('1.0.0');
    }
    expect(emu.stats().sessionsCreated).toBe(0);
  });

  it('POST validation: one of the two length headers, defer value 1, valid metadata and path, max size, no concat', async () => {
    const { emu, call } = await setup({ maxSize: 1000 });
    const post = (h: Record<string, string>) => call('POST', emu.url, h).then((a) => a.status);
    expect(await post({})).toBe(400);
    expect(await post({ 'upload-length': '5', 'upload-defer-length': '1' })).toBe(400);
    expect(await post({ 'upload-defer-length': '2' })).toBe(400);
    expect(await post({ 'upload-length': '-1' })).toBe(400);
    expect(await post({ 'upload-length': '5', 'upload-metadata': 'path !!!' })).toBe(400);
    expect(await post({ 'upload-length': '5', 'upload-metadata': `a ${b64('x')},a ${b64('y')}` })).toBe(400);
    expect(await post({ 'upload-length': '5', 'upload-metadata': `path ${b64('/a/../../etc/passwd')}` })).toBe(400);
    expect(await post({ 'upload-length': '1001' })).toBe(413);
    expect(await post({ 'upload-length': '5', 'upload-concat': 'partial' })).toBe(400);
    expect(emu.stats().sessionsCreated).toBe(0);
  });

  it('Upload-Length 0 is complete at creation and lands at the metadata path', async () => {
    const { emu, create, call } = await setup();
    const url = await create(0, { 'upload-metadata': `path ${b64('/empty/zero.txt')},filename ${b64('zero.txt')}` });
    const head = await call('HEAD', url);
    expect(head.headers).toMatchObject({ 'upload-offset': '0', 'upload-length': '0' });
    expect(head.headers['upload-expires']).toBeUndefined();
    expect(await emu.files()).toEqual([{ path: '/empty/zero.txt', size: 0, sha256: createHash('sha256').digest('hex') }]);
  });

  it('HEAD: 200, no-store, offset, length, metadata echoed as sent, expiry; a finished upload still answers', async () => {
    const { emu, create, call, patch } = await setup();
    const meta = `filename ${b64('ä b.bin')},path ${b64('/h/ä b.bin')},empty`;
    const url = await create(4, { 'upload-metadata': meta });
    const h = (await call('HEAD', url)).headers;
    expect(h).toMatchObject({ 'cache-control': 'no-store', 'upload-offset': '0', 'upload-length': '4', 'upload-metadata': meta, 'tus-resumable': '1.0.0' });
    expect(Date.parse(h['upload-expires']!)).toBeGreaterThan(Date.now());
    expect((await patch(url, 0, Buffer.from('abcd'))).status).toBe(204);
    expect((await call('HEAD', url)).headers['upload-offset']).toBe('4');
    expect((await emu.files()).map((f) => f.path)).toEqual(['/h/ä b.bin']);
    expect((await call('DELETE', url)).status).toBe(400);
  });

  it('PATCH refusals leave the upload untouched: 415, 400, 409, 413', async () => {
    const { create, patch, offsetOf, emu } = await setup();
    const url = await create(10);
    expect((await patch(url, 0, Buffer.from('abc'))).status).toBe(204);
    expect((await patch(url, 3, Buffer.from('x'), { 'content-type': 'application/octet-stream' })).status).toBe(415);
    expect(emu.requests().at(-1)?.status).toBe(415);
    expect((await patch(url, 3, Buffer.from('x'), { 'upload-offset': 'three' })).status).toBe(400);
    const conflict = await patch(url, 0, Buffer.from('zzz'));
    expect(conflict.status).toBe(409);
    expect((await patch(url, 3, Buffer.alloc(8))).status).toBe(413);
    expect(await offsetOf(url)).toBe('3');
  });

  it('checksum: a right md5 is accepted, a wrong sha1 gets 460 and the bytes are rolled back on disk', async () => {
    const { create, patch, offsetOf, dataDir } = await setup();
    const url = await create(8);
    const id = url.split('/').pop()!;
    const first = Buffer.from('1234');
    expect((await patch(url, 0, first, { 'upload-checksum': `md5 ${createHash('md5').update(first).digest('base64')}` })).status).toBe(204);
    const bad = await patch(url, 4, Buffer.from('5678'), { 'upload-checksum': `sha1 ${sha1(Buffer.from('567X'))}` });
    expect(bad.status).toBe(460);
    expect(await offsetOf(url)).toBe('4');
    expect((await fsp.stat(join(dataDir!, 'sessions', `${id}.part`))).size).toBe(4);
    expect((await patch(url, 4, Buffer.from('5678'), { 'upload-checksum': 'crc32 AAAAAA==' })).status).toBe(400);
    expect((await patch(url, 4, Buffer.from('5678'), { 'upload-checksum': 'sha1' })).status).toBe(400);
    expect((await patch(url, 4, Buffer.from('5678'), { 'upload-checksum': `sha1 ${sha1(Buffer.from('5678'))}` })).status).toBe(204);
  });

  it('honours X-HTTP-Method-Override for PATCH and DELETE', async () => {
    const { create, call, emu } = await setup();
    const url = await create(6);
    const a = await call('POST', url, { 'x-http-method-override': 'PATCH', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, Buffer.from('hello'));
    expect(a).toMatchObject({ status: 204, headers: { 'upload-offset': '5' } });
    expect((await call('POST', url, { 'x-http-method-override': 'DELETE' })).status).toBe(204);
    expect((await call('HEAD', url)).status).toBe(404);
    expect(emu.stats().sessionsDeleted).toBe(1);
  });

  it('creation-with-upload: the POST body is stored and Upload-Offset answered', async () => {
    const { emu, call, patch, dataDir } = await setup();
    const data = randomBytes(3000);
    const a = await call('POST', emu.url, { 'upload-length': '3000', 'content-type': 'application/offset+octet-stream', 'upload-metadata': `path ${b64('/cwu.bin')}` }, data.subarray(0, 1000));
    expect(a.status).toBe(201);
    expect(a.headers['upload-offset']).toBe('1000');
    expect((await patch(a.headers['location']!, 1000, data.subarray(1000))).status).toBe(204);
    expect((await fsp.readFile(join(dataDir!, 'files', 'cwu.bin'))).equals(data)).toBe(true);
  });

  it('creation-defer-length: length unknown until a PATCH declares it, then fixed', async () => {
    const { create, call, patch, emu } = await setup();
    const url = await create('defer');
    const h = (await call('HEAD', url)).headers;
    expect(h['upload-defer-length']).toBe('1');
    expect(h['upload-length']).toBeUndefined();
    expect((await patch(url, 0, Buffer.from('abc'))).status).toBe(204);
    expect((await patch(url, 3, Buffer.from('de'), { 'upload-length': '2' })).status).toBe(400);
    expect((await patch(url, 3, Buffer.from('de'), { 'upload-length': '5' })).status).toBe(204);
    expect((await call('HEAD', url)).headers['upload-length']).toBe('5');
    expect((await emu.files())[0]).toMatchObject({ path: `/uploads/${url.split('/').pop()}`, size: 5 });
  });

  it('termination: 204, then 404 for HEAD and PATCH, and the partial bytes are gone', async () => {
    const { create, call, patch, dataDir } = await setup();
    const url = await create(10);
    await patch(url, 0, Buffer.from('abc'));
    expect((await call('DELETE', url)).status).toBe(204);
    expect((await call('HEAD', url)).status).toBe(404);
    expect((await patch(url, 3, Buffer.from('d'))).status).toBe(404);
    expect(await fsp.readdir(join(dataDir!, 'sessions'))).toEqual([]);
  });

  it('expiry by the injected clock: 410 (or 404 when configured), Upload-Expires on POST and PATCH', async () => {
    let clock = Date.parse('2030-05-01T00:00:00Z');
    for (const expiredStatus of [410, 404] as const) {
      const { emu, call, patch } = await setup({ now: () => clock, expirationMs: 1000, expiredStatus });
      const a = await call('POST', emu.url, { 'upload-length': '10' });
      expect(a.headers['upload-expires']).toBe(new Date(clock + 1000).toUTCString());
      const url = a.headers['location']!;
      expect((await patch(url, 0, Buffer.from('ab'))).headers['upload-expires']).toBe(new Date(clock + 1000).toUTCString());
      clock += 1001;
      expect((await call('HEAD', url)).status).toBe(expiredStatus);
      expect((await patch(url, 2, Buffer.from('c'))).status).toBe(expiredStatus);
    }
  });

  it('same remote path twice: renamed by default, 409 at creation with conflict=fail', async () => {
    const { emu, create, patch, call } = await setup();
    for (let i = 0; i < 2; i++) await patch(await create(1, { 'upload-metadata': `path ${b64('/d/x.txt')}` }), 0, Buffer.from('z'));
    expect((await emu.files()).map((f) => f.path)).toEqual(['/d/x (1).txt', '/d/x.txt']);
    const failing = await call('POST', emu.url, { 'upload-length': '1', 'upload-metadata': `path ${b64('/d/x.txt')},conflict ${b64('fail')}` });
    expect(failing.status).toBe(409);
    expect(failing.text).toContain('/d/x.txt');
  });

  it('discard mode checks the protocol and counts bytes but stores nothing', async () => {
    const { create, patch, emu } = await setup({ discard: true });
    const url = await create(5000, { 'upload-metadata': `path ${b64('/bench.bin')}` });
    expect((await patch(url, 0, randomBytes(3000))).status).toBe(204);
    expect((await patch(url, 0, randomBytes(10))).status).toBe(409);
    expect((await patch(url, 3000, randomBytes(2000))).status).toBe(204);
    expect(await emu.files()).toEqual([{ path: '/bench.bin', size: 5000, sha256: null }]);
    expect(emu.stats().bytesReceived).toBe(5000);
  });
});

describe('tus emulator per-upload lock', () => {
  /** Starts a PATCH whose body stalls after `first` bytes; resolves once the server holds them. */
  async function stalledPatch(emu: RunningTusEmulator, url: string, total: number, first: number) {
    const u = new URL(url);
    const sock = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise<string>((r) => sock.on('close', () => r(Buffer.concat(chunks).toString('latin1'))));
    sock.write(`PATCH ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer tok\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: ${total}\r\nConnection: close\r\n\r\n`);
    sock.write(Buffer.alloc(first, 1));
    for (let i = 0; i < 200 && emu.stats().bytesReceived < first; i++) await new Promise((r) => setTimeout(r, 10));
    expect(emu.stats().bytesReceived).toBe(first);
    // Connection: close makes the server hang up after answering; a half-close from us would lose the answer.
    return { finish: () => { sock.write(Buffer.alloc(total - first, 1)); return closed; }, closed };
  }

  it("lockMode 'reject': a second PATCH while one runs gets 423; the first completes", async () => {
    const { emu, create, patch } = await setup({ lockMode: 'reject' });
    const url = await create(100);
    const slow = await stalledPatch(emu, url, 100, 10);
    expect((await patch(url, 0, Buffer.alloc(5))).status).toBe(423);
    expect(await slow.finish()).toMatch(/^HTTP\/1\.1 204[\s\S]*upload-offset: 100/i);
  });

  it("lockMode 'takeover' (default, as @tus/server): a HEAD stops a stalled PATCH, keeps its bytes and reports them", async () => {
    const { emu, create, call } = await setup();
    const url = await create(100);
    const slow = await stalledPatch(emu, url, 100, 10);
    const head = await call('HEAD', url);
    expect(head.headers['upload-offset']).toBe('10');
    expect(await slow.closed).toBe('');
  });

  it("lockMode 'serialise': the second PATCH waits its turn, then sees the new offset (409)", async () => {
    const { emu, create, patch } = await setup({ lockMode: 'serialise' });
    const url = await create(100);
    const slow = await stalledPatch(emu, url, 100, 10);
    const second = patch(url, 0, Buffer.alloc(5));
    const raced = await Promise.race([second.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 150))]);
    expect(raced).toBe('waiting');
    expect(await slow.finish()).toMatch(/^HTTP\/1\.1 204/);
    expect((await second).status).toBe(409);
  });
});
