// The tus client against a hand-written fake of the Http port: what it sends and how it reads
// answers that our emulator and @tus/server never give.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { createTusProvider } from '../../app/providers/tus/client.js';
import { parseMetadata } from '../../app/providers/tus/wire.js';
import { tusJob } from '../helpers/tus-server.js';
import { systemClock } from '../../app/node/system-clock.js';
import { FakeHttp } from '../fakes/fake-http.js';

const ENDPOINT = 'https://tus.example.test/api/files/';
const signal = new AbortController().signal;
const job = tusJob('/home/u/Film Night.mov', 1234, '/Videos/Film Night.mov', 1000);
const options204 = { status: 204, headers: { 'tus-version': '1.0.0', 'tus-extension': 'creation,termination' } };
const created = (location: string, extra: Record<string, string> = {}) => ({ status: 201, headers: { location, ...extra } });

async function failure(p: Promise<unknown>): Promise<FerryError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FerryError);
  return e as FerryError;
}

describe('tus client (fake Http)', () => {
  it('POST carries the tus headers, the bearer token and base64 metadata; a relative Location resolves', async () => {
    const http = new FakeHttp([options204, created('../uploads/abc', { 'upload-expires': 'Wed, 01 Jan 2031 00:00:00 GMT' })]);
    const p = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 'sekret' }, http });
    const s = await p.create(job, signal);
    expect(s).toEqual({ ref: { url: 'https://tus.example.test/api/uploads/abc' }, chunkSize: 1000, expiresAt: Date.parse('2031-01-01T00:00:00Z') });
    const [opt, post] = http.sent;
    expect(opt).toMatchObject({ method: 'OPTIONS', url: ENDPOINT });
    expect(opt!.headers!['tus-resumable']).toBeUndefined();
    expect(post).toMatchObject({ method: 'POST', url: ENDPOINT, headers: { 'tus-resumable': '1.0.0', authorization: 'Bearer sekret', 'upload-length': '1234' } });
    expect(post!.body).toHaveLength(0);
    expect(parseMetadata(post!.headers!['upload-metadata']!)).toEqual({ filename: 'Film Night.mov', path: '/Videos/Film Night.mov', conflict: 'rename' });
  });

  it('sends no Authorization when there is no token', async () => {
    const http = new FakeHttp([options204, created('/x/1')]);
    await createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: '' }, http }).create(job, signal);
    expect(http.sent.every((r) => r.headers?.['authorization'] === undefined)).toBe(true);
  });

  it('asks OPTIONS again after a network failure, but only once after an answer', async () => {
    const net = new FerryError('network', 'OPTIONS https://tus.example.test/api/files/: connection refused');
    const http = new FakeHttp([net, created('/x/1'), options204, created('/x/2'), created('/x/3')]);
    const p = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http });
    for (let i = 0; i < 3; i++) await p.create(job, signal);
    expect(http.sent.map((r) => r.method)).toEqual(['OPTIONS', 'POST', 'OPTIONS', 'POST', 'POST']);
  });

  it('refuses a server that does not speak tus 1.0.0', async () => {
    const http = new FakeHttp([{ status: 204, headers: { 'tus-version': '0.2.2,0.2.1' } }]);
    const err = await failure(createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http }).create(job, signal));
    expect(err.code).toBe('rejected');
    expect(err.message).toContain('0.2.2, 0.2.1');
    expect(http.sent).toHaveLength(1);
  });

  it('a 201 without Location is a protocol error; POST 413 is rejected with the server words', async () => {
    const p1 = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http: new FakeHttp([options204, { status: 201 }]) });
    const e1 = await failure(p1.create(job, signal));
    expect(e1.code).toBe('protocol');
    expect(e1.message).toMatch(/creating the tus upload for \/home\/u\/Film Night\.mov.*Location/);
    const p2 = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http: new FakeHttp([options204, { status: 413, body: 'Maximum size exceeded\n' }]) });
    const e2 = await failure(p2.create(job, signal));
    expect(e2.code).toBe('rejected');
    expect(e2.message).toContain('Maximum size exceeded');
  });

  it('PATCH statuses become the codes the engine keys on', async () => {
    const session = { ref: { url: 'https://tus.example.test/api/files/u1' }, chunkSize: 1000 };
    const cases: [number, string][] = [[409, 'offset-mismatch'], [460, 'integrity'], [423, 'server-error'], [404, 'session-gone'], [410, 'session-gone'], [403, 'rejected'], [413, 'rejected'], [503, 'server-error'], [401, 'auth']];
    for (const [status, code] of cases) {
      const p = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http: new FakeHttp([options204, { status }]) });
      const err = await failure(p.sendChunk(session, job, { index: 0, offset: 0, data: Buffer.alloc(10), final: false }, { signal }));
      expect([status, err.code]).toEqual([status, code]);
    }
  });

  it('HEAD 404/410 are session-gone; 401/403 are auth (an auth layer, not a lost upload); 423 is transient; a full disk is quota', async () => {
    const session = { ref: { url: 'https://tus.example.test/api/files/u1' }, chunkSize: 1000 };
    for (const [status, code] of [[403, 'auth'], [401, 'auth'], [404, 'session-gone'], [410, 'session-gone'], [423, 'server-error'], [507, 'quota']] as const) {
      const p = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http: new FakeHttp([{ status }]) });
      expect((await failure(p.status(session, job, signal))).code).toBe(code);
    }
  });

  it('cancel: 204 and 404 mean deleted, 405 is a refusal with a reason, 503 is thrown for a later retry', async () => {
    const session = { ref: { url: 'https://tus.example.test/api/files/u1' }, chunkSize: 1000 };
    const run = (status: number) => createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http: new FakeHttp([options204, { status }]) }).cancel(session, job, signal);
    expect(await run(204)).toEqual({ deleted: true });
    expect(await run(404)).toEqual({ deleted: true });
    expect(await run(405)).toEqual({ deleted: false, why: 'the tus server refused to delete the upload (HTTP 405)' });
    expect((await failure(run(503))).code).toBe('server-error');
  });

  it('a journal entry without an upload URL is bad input naming the file', async () => {
    const p = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http: new FakeHttp([]) });
    const err = await failure(p.status({ ref: { id: 5 }, chunkSize: 1 }, job, signal));
    expect(err.code).toBe('bad-input');
    expect(err.message).toContain('/home/u/Film Night.mov');
  });

  it('never puts the token or a query string in an error', async () => {
    const session = { ref: { url: 'https://tus.example.test/api/files/u1?sig=capability' }, chunkSize: 1000 };
    const p = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 'sekret-token' }, http: new FakeHttp([options204, { status: 500, body: 'boom' }]) });
    const err = await failure(p.sendChunk(session, job, { index: 0, offset: 0, data: Buffer.alloc(1), final: false }, { signal }));
    const shown = JSON.stringify({ m: err.message, c: err.context });
    expect(shown).not.toContain('sekret-token');
    expect(shown).not.toContain('capability');
    expect(err.context.url).toBe('https://tus.example.test/api/files/u1');
  });
});
