// The Redivis client against the Redivis emulator over loopback. `drive` plays the engine's part
// (ask the server after any error, continue from what it holds, one new session when it is gone)
// so each test can assert what the user is owed: a byte-identical file, the right error code, a
// message naming the file and the cause, and no wasted or forbidden requests.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import type { Http } from '../../app/engine/http.js';
import type { Provider, UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { Crc32c } from '../../app/providers/redivis/crc32c.js';
import { createRedivisProvider } from '../../app/providers/redivis/client.js';
import { startRedivisEmulator, type RedivisEmulatorOptions } from '../../app/emulators/redivis/emulator.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorOptions, RequestRecord } from '../../app/emulators/kit/emulator-types.js';
import { systemClock } from '../../app/node/system-clock.js';
import { drive } from '../helpers/redivis-drive.js';

const K = 262_144;
const TABLE = 'alice.survey.responses';
const TOKEN = 'tok_SECRET_123';
let dir: string;
let emu: RunningEmulator;
let clock: number;
let http: UndiciHttp;

async function start(o: Partial<EmulatorOptions> & RedivisEmulatorOptions = {}): Promise<RunningEmulator> {
  emu = await startRedivisEmulator({ dataDir: join(dir, 'server'), token: TOKEN, now: () => clock, ...o });
  return emu;
}

/** Every request the client made, full URL included (the emulator's log drops query strings). */
let calls: { method: string; url: string }[];

function provider(options: Record<string, string> = {}, token = TOKEN): Provider {
  const recording: Http = { request: (r) => { calls.push({ method: r.method, url: r.url }); return http.request(r); } };
  return createRedivisProvider({ clock: systemClock, endpoint: { url: emu.url, token }, http: recording, options: { pollIntervalMs: '1', ...options } });
}

function job(data: Buffer, name = 'responses.csv', o: { chunkSize?: number; conflict?: ConflictPolicy; remotePath?: string } = {}): UploadJob {
  return {
    file: { path: `/home/alice/${name}`, name, size: data.length, mtimeMs: 0 },
    target: { remotePath: o.remotePath ?? `/${TABLE}/${name}`, conflict: o.conflict ?? 'fail' },
    chunkSize: o.chunkSize ?? 2 * K,
    digests: {},
  };
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
/** The engine's crc32c form (hex of the big-endian value), from the tests' own table implementation. */
const crc = (b: Buffer): string => new Crc32c().update(b).value().toString(16).padStart(8, '0');
const stored = (table: string, name: string): Promise<Buffer> => readFile(join(dir, 'server', 'files', table, name));
const sessionPuts = (): RequestRecord[] => emu.requests().filter((r) => r.method === 'PUT' && r.path.startsWith('/upload/'));
const ranges = (): string[] => sessionPuts().map((r) => r.headers['content-range'] ?? '');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-redivis-client-'));
  clock = 1_700_000_000_000;
  http = new UndiciHttp({ idleTimeoutMs: 10_000 });
  calls = [];
});
afterEach(async () => {
  await http.close?.();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Redivis client: uploads', () => {
  it('uploads in aligned chunks with exact Content-Range, finalizes, and reports the crc32c the server computed', async () => {
    await start();
    const data = randomBytes(5 * K + 1234);
    const p = provider();
    expect(p).toMatchObject({ id: 'redivis', integrity: 'crc32c', ordered: true, rules: { min: K, align: K, defaultSize: 16 * 1024 * 1024 } });
    const { remote, errors } = await drive(p, job(data), data);
    expect(errors).toEqual([]);
    expect(remote).toMatchObject({ path: `/${TABLE}/responses.csv`, size: data.length, hash: { algorithm: 'crc32c', value: crc(data) } });
    expect(md5(await stored(TABLE, 'responses.csv'))).toBe(md5(data));
    expect(ranges()).toEqual([`bytes 0-${2 * K - 1}/${data.length}`, `bytes ${2 * K}-${4 * K - 1}/${data.length}`, `bytes ${4 * K}-${data.length - 1}/${data.length}`]);
    // The bearer goes to the Redivis API only, never to the session URI (a capability on another host).
    for (const r of emu.requests()) expect(r.headers['authorization'] !== undefined, `${r.method} ${r.path}`).toBe(r.path.startsWith('/api/'));
    expect(emu.requests().filter((r) => r.path.startsWith('/api/')).map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /api/v1/tables/${TABLE}/tempUploads`,
      `HEAD /api/v1/tables/${TABLE}/uploads/responses_csv`,
      `POST /api/v1/tables/${TABLE}/uploads`,
      `GET /api/v1/tables/${TABLE}/uploads/1`,
      `GET /api/v1/tables/${TABLE}/uploads/1`,
    ]);
  });

  it('takes the table from the "table" option (file name from the path), or refuses a path that names none', async () => {
    await start();
    const data = randomBytes(1000);
    const { remote } = await drive(provider({ table: 'bob.ds.t' }), job(data, 'x.bin', { remotePath: '/anything/x.bin' }), data);
    expect(remote.path).toBe('/bob.ds.t/x.bin');
    expect(md5(await stored('bob.ds.t', 'x.bin'))).toBe(md5(data));
    const bad = provider().create(job(data, 'x.bin', { remotePath: '/x.bin' }), new AbortController().signal);
    await expect(bad).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/"\/x\.bin".*table/) });
  });

  it('uploads an empty file with one `bytes */0` request', async () => {
    await start();
    const data = Buffer.alloc(0);
    const { remote } = await drive(provider(), job(data, 'empty.csv'), data);
    expect(ranges()).toEqual(['bytes */0']);
    expect(remote).toMatchObject({ path: `/${TABLE}/empty.csv`, size: 0, hash: { algorithm: 'crc32c', value: '00000000' } });
    expect(md5(await stored(TABLE, 'empty.csv'))).toBe(md5(data));
  });

  it('works against discard mode (no digests there, so none reported)', async () => {
    emu = await startRedivisEmulator({ discard: true, token: TOKEN });
    const data = randomBytes(3 * K);
    const { remote } = await drive(provider(), job(data), data);
    expect(remote.hash).toBeUndefined();
    expect(await emu.files()).toEqual([{ path: `/${TABLE}/responses.csv`, size: 3 * K, sha256: null }]);
    expect(emu.stats().bytesReceived).toBe(3 * K);
  });
});

describe('Redivis client: faults (fault catalogue)', () => {
  it('row 2: adopts the offset the server persisted after a cut mid-chunk and resends only the tail', async () => {
    await start();
    const data = randomBytes(6 * K);
    emu.inject({ method: 'PUT', withBody: true, after: 1, action: { kind: 'truncate', bytes: 100_000 } });
    const { errors } = await drive(provider(), job(data), data);
    expect(errors.map((e) => e.code)).toEqual(['network']);
    const held = 2 * K + 100_000;
    expect(ranges()).toEqual([
      `bytes 0-${2 * K - 1}/${6 * K}`,
      `bytes ${2 * K}-${4 * K - 1}/${6 * K}`,
      `bytes */${6 * K}`,
      `bytes ${held}-${held + 2 * K - 1}/${6 * K}`,
      `bytes ${held + 2 * K}-${6 * K - 1}/${6 * K}`,
    ]);
    // Not one byte reached the server twice.
    expect(emu.stats().bytesReceived).toBe(data.length);
    expect(md5(await stored(TABLE, 'responses.csv'))).toBe(md5(data));
  });

  it('row 2 (308 form): a server that keeps fewer bytes than sent is believed, and the rest is resent', async () => {
    await start({ persistLimit: K + 1000 });
    const data = randomBytes(4 * K);
    const seen: number[] = [];
    await drive(provider(), job(data), data, { afterChunk: (o) => void seen.push(o) });
    expect(seen).toEqual([K + 1000, 2 * K + 2000, 3 * K + 3000]);
    expect(md5(await stored(TABLE, 'responses.csv'))).toBe(md5(data));
  });

  it('row 6: a chunk committed before the connection dropped is found by the status query and not sent again', async () => {
    await start();
    const data = randomBytes(5 * K);
    emu.inject({ method: 'PUT', withBody: true, after: 1, action: { kind: 'commit-then-reset' } });
    const { errors } = await drive(provider(), job(data), data);
    expect(errors.map((e) => e.code)).toEqual(['network']);
    expect(ranges()).toEqual([`bytes 0-${2 * K - 1}/${5 * K}`, `bytes ${2 * K}-${4 * K - 1}/${5 * K}`, `bytes */${5 * K}`, `bytes ${4 * K}-${5 * K - 1}/${5 * K}`]);
    expect(emu.stats().bytesReceived).toBe(data.length);
    expect(md5(await stored(TABLE, 'responses.csv'))).toBe(md5(data));
  });

  it('row 6 on the last chunk: the lost 200 is recovered by the status query, finish still reports the crc32c', async () => {
    await start();
    const data = randomBytes(3 * K);
    emu.inject({ method: 'PUT', withBody: true, after: 1, action: { kind: 'commit-then-reset' } });
    const { remote } = await drive(provider(), job(data), data);
    expect(remote.hash?.value).toBe(crc(data));
    expect(sessionPuts().filter((r) => r.bytes > 0)).toHaveLength(2);
  });

  it('row 13: a 308 without Range on the status query means offset 0', async () => {
    await start();
    const p = provider();
    const data = randomBytes(2 * K);
    const s = await p.create(job(data), new AbortController().signal);
    expect(await p.status(s, job(data), new AbortController().signal)).toEqual({ kind: 'offset', offset: 0 });
    expect(sessionPuts()[0]?.headers['content-range']).toBe(`bytes */${2 * K}`);
  });

  for (const goneStatus of [404, 410] as const) {
    it(`row 16: an expired session (${goneStatus}) is 'session-gone'; one new session finishes the file, the old URL is never used again`, async () => {
      await start({ goneStatus });
      const data = randomBytes(4 * K);
      let advanced = false;
      const { errors, sessions } = await drive(provider(), job(data), data, {
        afterChunk: () => { if (!advanced) { advanced = true; clock += 24 * 3600 * 1000; } },
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'session-gone', context: { status: goneStatus, file: '/home/alice/responses.csv' } });
      expect(errors[0]!.message).toContain('responses.csv');
      expect(sessions).toHaveLength(2);
      const [oldUrl, newUrl] = sessions.map((s) => (s.ref as { url: string }).url);
      expect(oldUrl).not.toBe(newUrl);
      // I2: the old session URL got the first chunk and the one request that found it gone, nothing after.
      expect(calls.filter((c) => c.url === oldUrl).map((c) => c.method)).toEqual(['PUT', 'PUT']);
      expect(emu.requests().filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([308, goneStatus, 308, 200]);
      expect(emu.stats().sessionsCreated).toBe(2);
      expect(md5(await stored(TABLE, 'responses.csv'))).toBe(md5(data));
    });
  }

  it('row 16 (restart): an emulator restarted without its in-memory sessions answers 404; one new session finishes the file', async () => {
    await start();
    const data = randomBytes(4 * K);
    const port = Number(new URL(emu.url).port);
    let restarts = 0;
    const { errors, sessions } = await drive(provider(), job(data), data, {
      afterChunk: async () => {
        if (restarts++ > 0) return;
        await emu.close();
        await start({ port });
      },
    });
    // A pooled connection to the old process may fail first ('network'); then the status query finds the session gone.
    expect(errors.at(-1)).toMatchObject({ code: 'session-gone', context: { status: 404 } });
    expect(errors.slice(0, -1).every((e) => e.code === 'network')).toBe(true);
    expect(errors.length).toBeLessThanOrEqual(2);
    expect(sessions).toHaveLength(2);
    const [oldUrl, newUrl] = sessions.map((s) => (s.ref as { url: string }).url);
    const lastOld = calls.map((c) => c.url).lastIndexOf(oldUrl!);
    expect(lastOld).toBeLessThan(calls.findIndex((c) => c.url === newUrl));
    expect(md5(await stored(TABLE, 'responses.csv'))).toBe(md5(data));
  });

  it('maps 503, 503 + Retry-After and 429 to server-error / rate-limited and resumes from the status query', async () => {
    await start();
    const data = randomBytes(4 * K);
    emu.inject({ method: 'PUT', withBody: true, after: 1, action: { kind: 'respond', status: 503, body: '{"error":{"code":503,"message":"Backend Error"}}' } });
    emu.inject({ method: 'PUT', withBody: true, after: 1, action: { kind: 'respond', status: 429, headers: { 'retry-after': '7' } } });
    const { errors } = await drive(provider(), job(data), data);
    expect(errors.map((e) => [e.code, e.context.status, e.context.retryAfterMs])).toEqual([['server-error', 503, undefined], ['rate-limited', 429, 7000]]);
    expect(errors[0]!.message).toMatch(/responses\.csv.*HTTP 503: Backend Error/);
    expect(md5(await stored(TABLE, 'responses.csv'))).toBe(md5(data));
  });

  it('reports a refused chunk as rejected with GCS\'s words, naming the file; never a token or the session capability', async () => {
    await start();
    const data = randomBytes(2 * K);
    const p = provider();
    const s = await p.create(job(data), new AbortController().signal);
    const short = p.sendChunk(s, job(data), { index: 0, offset: 0, data: data.subarray(0, 1000), final: false }, { signal: new AbortController().signal });
    const e = await short.then(() => undefined, (x: unknown) => x as FerryError);
    expect(e).toMatchObject({ code: 'rejected', context: { status: 400, file: '/home/alice/responses.csv' } });
    expect(e!.message).toMatch(/bytes 0-999 of responses\.csv.*262144/);
    expect(JSON.stringify({ m: e!.message, c: e!.context })).not.toMatch(/upload_id|tok_SECRET/);
  });

  it('maps a 401 from the Redivis API to auth, with the Redivis error description', async () => {
    await start();
    const data = randomBytes(10);
    const e = await provider({}, 'wrong').create(job(data), new AbortController().signal).then(() => undefined, (x: unknown) => x as FerryError);
    expect(e).toMatchObject({ code: 'auth', context: { status: 401, serverCode: 'invalid_token' } });
    expect(e!.message).toMatch(/responses\.csv.*alice\.survey\.responses.*HTTP 401/);
    expect(e!.message).not.toContain('wrong');
  });
});

describe('Redivis client: cancel and finish', () => {
  it('cancel deletes the session (499); a second cancel still counts as deleted; the session is gone afterwards', async () => {
    await start();
    const data = randomBytes(4 * K);
    const p = provider();
    const sig = new AbortController().signal;
    const s = await p.create(job(data), sig);
    await p.sendChunk(s, job(data), { index: 0, offset: 0, data: data.subarray(0, 2 * K), final: false }, { signal: sig });
    expect(await p.cancel(s, job(data), sig)).toEqual({ deleted: true });
    expect(emu.requests().at(-1)).toMatchObject({ method: 'DELETE', status: 499 });
    expect(await p.cancel(s, job(data), sig)).toEqual({ deleted: true });
    await expect(p.status(s, job(data), sig)).rejects.toMatchObject({ code: 'session-gone' });
    expect(emu.stats().sessionsDeleted).toBe(1);
  });

  it('finish refuses an incomplete session with offset-mismatch (the engine reconciles) and creates no upload', async () => {
    await start();
    const data = randomBytes(3 * K);
    const p = provider();
    const sig = new AbortController().signal;
    const s = await p.create(job(data), sig);
    await p.sendChunk(s, job(data), { index: 0, offset: 0, data: data.subarray(0, 2 * K), final: false }, { signal: sig });
    await expect(p.finish(s, job(data), {}, sig)).rejects.toMatchObject({ code: 'offset-mismatch', context: { offset: 2 * K } });
    expect(emu.requests().some((r) => r.path.endsWith('/uploads'))).toBe(false);
  });

  it('polls a slow import to completion within pollAttempts; when they run out, a later finish picks the same upload up', async () => {
    await start({ pollsPerStage: 3 });
    const data = randomBytes(K);
    const p = provider({ pollAttempts: '4' });
    const sig = new AbortController().signal;
    const s = await p.create(job(data), sig);
    const st = await p.sendChunk(s, job(data), { index: 0, offset: 0, data, final: true }, { signal: sig });
    expect(st?.kind).toBe('complete');
    const e = await p.finish(s, job(data), {}, sig).catch((x: unknown) => x as FerryError);
    expect(e).toMatchObject({ code: 'server-error', message: expect.stringMatching(/still processing "responses\.csv".*status running\) after 4 checks/) });
    const remote = await p.finish(s, job(data), {}, sig);
    expect(remote).toMatchObject({ path: `/${TABLE}/responses.csv`, hash: { algorithm: 'crc32c', value: crc(data) } });
    const gets = emu.requests().filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(6);
    // The second finish polls the upload the first one created; it creates no other.
    expect(emu.requests().filter((r) => r.path.endsWith('/uploads'))).toHaveLength(1);
  });

  it('a failed import is rejected with Redivis\' errorMessage', async () => {
    await start({ failUploadsWith: 'Line 2: unterminated quote' });
    const data = randomBytes(100);
    const e = await drive(provider(), job(data), data).catch((x: unknown) => x as FerryError);
    expect(e).toMatchObject({ code: 'rejected', message: expect.stringContaining('Line 2: unterminated quote') });
    expect(e).toBeInstanceOf(FerryError);
    expect(await emu.files()).toEqual([]);
  });

  it('abandons polling at once when the transfer is cancelled', async () => {
    await start({ pollsPerStage: 1000 });
    const data = randomBytes(100);
    const p = provider({ pollIntervalMs: '200' });
    const ac = new AbortController();
    const s = await p.create(job(data), ac.signal);
    await p.sendChunk(s, job(data), { index: 0, offset: 0, data, final: true }, { signal: ac.signal });
    const pending = p.finish(s, job(data), {}, ac.signal);
    setTimeout(() => ac.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('settles a name already on the table by the conflict policy: fail, rename, replace', async () => {
    await start();
    const first = randomBytes(1000);
    await drive(provider(), job(first), first);
    const second = randomBytes(2000);
    await expect(drive(provider(), job(second, 'responses.csv', { conflict: 'fail' }), second)).rejects.toMatchObject({ code: 'name-conflict' });
    const renamed = await drive(provider(), job(second, 'responses.csv', { conflict: 'rename' }), second);
    expect(renamed.remote.path).toBe(`/${TABLE}/responses (1).csv`);
    expect(md5(await stored(TABLE, 'responses (1).csv'))).toBe(md5(second));
    const third = randomBytes(3000);
    const replaced = await drive(provider(), job(third, 'responses.csv', { conflict: 'replace' }), third);
    expect(replaced.remote.path).toBe(`/${TABLE}/responses.csv`);
    expect(md5(await stored(TABLE, 'responses.csv'))).toBe(md5(third));
  });
});
