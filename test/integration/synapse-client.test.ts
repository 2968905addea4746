// The Synapse client driven directly against the Synapse emulator on loopback: sizes around
// the part boundary, the name-conflict-then-rename case, presigned URL expiry, ADD_FAILED,
// resume, empty files, whole-file MD5 mismatch, discard mode.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError, isFerryError } from '../../app/common/errors.js';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import type { Http, HttpRequest, HttpResponse } from '../../app/engine/http.js';
import type { Provider, RemoteFile, ServerState, Session, UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { createSynapseProvider } from '../../app/providers/synapse/client.js';
import { startSynapseEmulator, type SynapseEmulatorOptions } from '../../app/emulators/synapse/emulator.js';
import type { EmulatorOptions } from '../../app/emulators/kit/emulator-types.js';
import { systemClock } from '../../app/node/system-clock.js';
import type { Clock } from '../../app/engine/ports.js';

const PART = 64 * 1024;
const PARENT = 'syn123';

let dir: string;
let em: RunningEmulator;
let http: UndiciHttp;
let clock: number;

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-synapse-'));
  http = new UndiciHttp({ idleTimeoutMs: 10_000 });
  clock = Date.UTC(2026, 0, 1);
});

afterEach(async () => {
  await em?.close();
  await http.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function startEmu(extra: Partial<EmulatorOptions & SynapseEmulatorOptions> = {}): Promise<RunningEmulator> {
  em = await startSynapseEmulator({ dataDir: join(dir, 'emu'), minPartSize: PART, now: () => clock, ...extra });
  return em;
}

function provider(o: { token?: string; clock?: Clock; through?: Http; options?: Record<string, string> } = {}): Provider {
  return createSynapseProvider(
    { endpoint: { url: em.url, token: o.token ?? em.token }, http: o.through ?? http, clock: o.clock ?? systemClock, options: { parentId: PARENT, partSize: String(PART), ...o.options } },
  );
}

async function localFile(name: string, size: number, seed = 1): Promise<{ path: string; data: Buffer; md5: string; sha256: string }> {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
  const path = join(dir, name);
  await fsp.writeFile(path, data);
  return { path, data, md5: createHash('md5').update(data).digest('hex'), sha256: createHash('sha256').update(data).digest('hex') };
}

function jobFor(f: { path: string; data: Buffer; md5: string }, remotePath: string, conflict: ConflictPolicy = 'fail'): UploadJob {
  // Like the engine, the job's file name follows the target.
  return { file: { path: f.path, name: remotePath.split('/').pop()!, size: f.data.length, mtimeMs: 0 }, target: { remotePath, conflict }, chunkSize: PART, digests: { md5: f.md5 } };
}

/** A small stand-in for the engine's loop: send what the server lacks, resend once on 'integrity', finish. */
async function drive(p: Provider, job: UploadJob, data: Buffer, session?: Session): Promise<{ session: Session; remote: RemoteFile; integrityErrors: FerryError[] }> {
  const signal = AbortSignal.timeout(30_000);
  const s = session ?? (await p.create(job, signal));
  let st: ServerState = session ? await p.status(s, job, signal) : (s.initial ?? { kind: 'parts', have: [] });
  const cs = s.chunkSize;
  const n = Math.max(1, Math.ceil(data.length / cs));
  const integrityErrors: FerryError[] = [];
  for (let i = 0; i < n && st.kind !== 'complete'; i++) {
    if (st.kind === 'parts' && st.have.includes(i)) continue;
    const chunk = { index: i, offset: i * cs, data: data.subarray(i * cs, Math.min(data.length, (i + 1) * cs)), final: i === n - 1 };
    try {
      st = (await p.sendChunk(s, job, chunk, { signal })) ?? st;
    } catch (e) {
      if (!isFerryError(e, 'integrity') || integrityErrors.length > 0) throw e;
      integrityErrors.push(e);
      i--;
    }
  }
  return { session: s, remote: await p.finish(s, job, { md5: job.digests.md5! }, signal), integrityErrors };
}

const s3Puts = (e: RunningEmulator) => e.requests().filter((r) => r.path.startsWith('/_s3/'));

describe('Synapse client against the emulator', () => {
  it.each([
    ['1 byte', 1],
    ['part - 1', PART - 1],
    ['exactly one part', PART],
    ['part + 1', PART + 1],
    ['several parts', 3 * PART + 123],
  ])('uploads %s byte-identically and reports the stored MD5', async (_label, size) => {
    await startEmu();
    const f = await localFile(`in-${size}.bin`, size);
    const { remote } = await drive(provider(), jobFor(f, `/${PARENT}/out-${size}.bin`), f.data);

    expect(remote.path).toBe(`/${PARENT}/out-${size}.bin`);
    expect(remote.size).toBe(size);
    expect(remote.hash).toEqual({ algorithm: 'md5', value: f.md5 });
    expect(await em.files()).toEqual([{ path: `/${PARENT}/out-${size}.bin`, size, sha256: f.sha256 }]);
    const parts = Math.ceil(size / PART);
    expect(s3Puts(em)).toHaveLength(parts);
    expect(em.stats().bytesReceived).toBe(size);
    // One batch of URLs covers all parts; no request carries the token to storage.
    expect(em.requests().filter((r) => r.path.endsWith('/presigned/url/batch'))).toHaveLength(1);
    expect(s3Puts(em).every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('refuses an empty file before any request, as a bad input saying Synapse cannot store it', async () => {
    await startEmu();
    const f = await localFile('empty.txt', 0);
    const err = await provider().create(jobFor(f, `/${PARENT}/empty.txt`), AbortSignal.timeout(5_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('bad-input');
    expect((err as FerryError).message).toMatch(/Synapse cannot store empty files/);
    expect((err as FerryError).message).toContain(f.path);
    expect(em.stats().requests).toBe(0);
  });

  it('after a name conflict, a restart under another name finishes without sending a byte again', async () => {
    await startEmu();
    const first = await localFile('first.bin', PART + 10, 1);
    await drive(provider(), jobFor(first, `/${PARENT}/foo.bin`), first.data);

    const big = await localFile('big.bin', 3 * PART + 5, 2);
    const err = await drive(provider(), jobFor(big, `/${PARENT}/foo.bin`), big.data).catch((e: unknown) => e);
    expect(isFerryError(err, 'name-conflict')).toBe(true);
    expect((err as FerryError).message).toMatch(/"foo\.bin" already exists in syn123/);
    expect((err as FerryError).message).toMatch(/choose another name/);

    const bytesBefore = em.stats().bytesReceived;
    const seen = em.requests().length;
    // A fresh client (the app was restarted), same local file, the user picked another name.
    const { remote } = await drive(provider(), jobFor(big, `/${PARENT}/foo2.bin`), big.data);

    expect(remote).toMatchObject({ path: `/${PARENT}/foo2.bin`, size: big.data.length, hash: { algorithm: 'md5', value: big.md5 } });
    expect(em.stats().bytesReceived).toBe(bytesBefore);
    const after = em.requests().slice(seen).map((r) => `${r.method} ${r.path.replace(/\d+/g, 'N')} ${r.status}`);
    expect(after).toEqual(['GET /file/vN/entity/synN/uploadDestination 200', 'POST /file/vN/file/multipart 201', 'GET /file/vN/fileHandle/N 200', 'POST /repo/vN/entity 201']);
    const files = await em.files();
    expect(files.find((f) => f.path === `/${PARENT}/foo2.bin`)?.sha256).toBe(big.sha256);
    expect(files.find((f) => f.path === `/${PARENT}/foo.bin`)?.sha256).toBe(first.sha256);
  });

  it("with the 'rename' policy picks the next free name itself", async () => {
    await startEmu();
    const a = await localFile('a.bin', 100, 1);
    const b = await localFile('b.bin', 200, 2);
    await drive(provider(), jobFor(a, `/${PARENT}/same.bin`), a.data);
    const { remote } = await drive(provider(), jobFor(b, `/${PARENT}/same.bin`, 'rename'), b.data);
    expect(remote.path).toBe(`/${PARENT}/same (1).bin`);
    expect((await em.files()).map((f) => f.path)).toEqual([`/${PARENT}/same (1).bin`, `/${PARENT}/same.bin`]);
  });

  it('refreshes presigned URLs on 403 (expired by the server clock) and finishes', async () => {
    await startEmu();
    const f = await localFile('slow.bin', 3 * PART, 3);
    const p = provider();
    const job = jobFor(f, `/${PARENT}/slow.bin`);
    const signal = AbortSignal.timeout(20_000);
    const s = await p.create(job, signal);
    await p.sendChunk(s, job, { index: 0, offset: 0, data: f.data.subarray(0, PART), final: false }, { signal });
    clock += 16 * 60_000; // the URLs fetched with part 1 are now past their 15 minutes
    await p.sendChunk(s, job, { index: 1, offset: PART, data: f.data.subarray(PART, 2 * PART), final: false }, { signal });
    await p.sendChunk(s, job, { index: 2, offset: 2 * PART, data: f.data.subarray(2 * PART), final: true }, { signal });
    const remote = await p.finish(s, job, { md5: f.md5 }, signal);

    expect(remote.hash?.value).toBe(f.md5);
    expect(s3Puts(em).map((r) => r.status)).toEqual([200, 403, 200, 200]);
    expect(em.requests().filter((r) => r.path.endsWith('/presigned/url/batch'))).toHaveLength(2);
    expect((await em.files())[0]?.sha256).toBe(f.sha256);
  });

  it('fetches new URLs before they get old, without waiting for a 403', async () => {
    await startEmu();
    let clientClock = clock;
    const f = await localFile('aged.bin', 2 * PART, 4);
    const p = provider({ clock: { now: () => clientClock, sleep: systemClock.sleep } });
    const job = jobFor(f, `/${PARENT}/aged.bin`);
    const signal = AbortSignal.timeout(20_000);
    const s = await p.create(job, signal);
    await p.sendChunk(s, job, { index: 0, offset: 0, data: f.data.subarray(0, PART), final: false }, { signal });
    clock += 13 * 60_000; // still valid for the server (15 min) but too old to start a part on
    clientClock += 13 * 60_000;
    await p.sendChunk(s, job, { index: 1, offset: PART, data: f.data.subarray(PART), final: true }, { signal });
    await p.finish(s, job, { md5: f.md5 }, signal);

    expect(s3Puts(em).map((r) => r.status)).toEqual([200, 200]);
    expect(em.requests().filter((r) => r.path.endsWith('/presigned/url/batch'))).toHaveLength(2);
  });

  it('parts released together by one URL batch start a fraction of that round trip apart; each part is announced off the wire before its add', async () => {
    await startEmu();
    // The client's clock: the URL batch "takes" 100 ms; sleeps are recorded and return at once.
    let t = clock;
    const sleeps: number[] = [];
    const through: Http = {
      request: async (r: HttpRequest): Promise<HttpResponse> => {
        const res = await http.request(r);
        if (r.url.includes('/presigned/url/batch')) t += 100;
        return res;
      },
    };
    const p = provider({ through, clock: { now: () => t, sleep: async (ms) => { sleeps.push(ms); } } });
    const f = await localFile('staggered.bin', 3 * PART, 6);
    const job = jobFor(f, `/${PARENT}/staggered.bin`);
    const signal = AbortSignal.timeout(20_000);
    const s = await p.create(job, signal);
    const order: string[] = [];
    await Promise.all([0, 1, 2].map((i) => p.sendChunk(s, job, { index: i, offset: i * PART, data: f.data.subarray(i * PART, (i + 1) * PART), final: i === 2 }, {
      signal, offWire: () => order.push(`off ${i + 1}`),
    })));
    // The part that fetched the batch goes at once; the two that waited for it are spread over the
    // next round trip (the batch call's 100 ms): 50 and 100 ms later.
    expect(sleeps).toEqual([50, 100]);
    expect(em.requests().filter((r) => r.path.endsWith('/presigned/url/batch'))).toHaveLength(1);
    // Every part left the wire once its PUT was answered, and was added after that.
    expect(order.sort()).toEqual(['off 1', 'off 2', 'off 3']);
    const adds = em.requests().filter((r) => /\/add\/\d+$/.test(r.path)).length;
    expect(adds).toBe(3);
    await p.finish(s, job, { md5: f.md5 }, signal);
    expect((await em.files())[0]?.sha256).toBe(f.sha256);
  });

  it('asks for the next batch of part URLs while the parts before it are still going', async () => {
    await startEmu();
    // 40 parts: URLs come 32 at a time, so the second batch is needed for parts 33-40.
    const f = await localFile('batches.bin', 40 * PART, 7);
    const p = provider();
    const job = jobFor(f, `/${PARENT}/batches.bin`);
    const signal = AbortSignal.timeout(30_000);
    const s = await p.create(job, signal);
    for (let i = 0; i < 40; i++) {
      await p.sendChunk(s, job, { index: i, offset: i * PART, data: f.data.subarray(i * PART, (i + 1) * PART), final: i === 39 }, { signal });
    }
    await p.finish(s, job, { md5: f.md5 }, signal);
    const log = em.requests();
    const batches = log.flatMap((r, i) => (r.path.endsWith('/presigned/url/batch') ? [i] : []));
    expect(batches).toHaveLength(2);
    // The second batch went out well before part 33 needed it: parts of the first batch were PUT after it.
    const s3After = log.slice(batches[1]!).filter((r) => r.path.startsWith('/_s3/')).map((r) => Number(r.path.split('/').pop()));
    expect(Math.min(...s3After)).toBeLessThan(33 - 6);
    expect((await em.files())[0]?.sha256).toBe(f.sha256);
  });

  it('turns ADD_FAILED into an integrity error; the resent part is accepted', async () => {
    await startEmu();
    const f = await localFile('flaky.bin', 2 * PART + 7, 5);
    // The first part's bytes are damaged on the way to storage, once.
    const corrupting = new CorruptOnce(http, (r) => r.method === 'PUT' && r.url.includes('/_s3/') && r.url.includes('/1?'));
    const { remote, integrityErrors } = await drive(provider({ through: corrupting }), jobFor(f, `/${PARENT}/flaky.bin`), f.data);

    expect(integrityErrors).toHaveLength(1);
    expect(integrityErrors[0]!.message).toMatch(/Synapse did not accept part 1 of .*flaky\.bin: The provided MD5 does not match/);
    expect(remote.hash?.value).toBe(f.md5);
    expect((await em.files())[0]?.sha256).toBe(f.sha256);
    const adds = em.requests().filter((r) => r.path.includes('/add/'));
    expect(adds.map((r) => r.path.split('/').pop())).toEqual(['1', '1', '2', '3']);
  });

  it('resumes in a new process: status reports the held parts and only the rest is sent', async () => {
    await startEmu();
    const f = await localFile('resume.bin', 4 * PART, 6);
    const job = jobFor(f, `/${PARENT}/resume.bin`);
    const signal = AbortSignal.timeout(20_000);
    const p1 = provider();
    const s = await p1.create(job, signal);
    for (const i of [0, 2]) await p1.sendChunk(s, job, { index: i, offset: i * PART, data: f.data.subarray(i * PART, (i + 1) * PART), final: false }, { signal });

    const saved: Session = JSON.parse(JSON.stringify(s)) as Session;
    const p2 = provider();
    expect(await p2.status(saved, job, signal)).toEqual({ kind: 'parts', have: [0, 2] });
    const { remote } = await drive(p2, job, f.data, saved);
    expect(remote.hash?.value).toBe(f.md5);
    expect(em.stats().bytesReceived).toBe(f.data.length);
    expect((await em.files())[0]?.sha256).toBe(f.sha256);
  });

  it('a lost add answer: the retry asks the server, which holds the part, so it is not added twice', async () => {
    await startEmu();
    em.inject({ method: 'PUT', path: '/add/1', action: { kind: 'commit-then-reset' } });
    const f = await localFile('lost.bin', 2 * PART, 11);
    const p = provider();
    const job = jobFor(f, `/${PARENT}/lost.bin`);
    const signal = AbortSignal.timeout(20_000);
    const s = await p.create(job, signal);
    const err = await p.sendChunk(s, job, { index: 0, offset: 0, data: f.data.subarray(0, PART), final: false }, { signal }).catch((e: unknown) => e);
    expect(isFerryError(err, 'network')).toBe(true);
    // What the engine does after a transient error: ask before sending again.
    expect(await p.status(s, job, signal)).toEqual({ kind: 'parts', have: [0] });
    const { remote } = await drive(p, job, f.data, s);
    expect(remote.hash?.value).toBe(f.md5);
    expect(em.requests().filter((r) => r.path.includes('/add/')).map((r) => r.path.split('/').pop())).toEqual(['1', '2']);
  });

  it('a part cut off mid-body leaves nothing on storage; the whole part is sent again', async () => {
    await startEmu();
    em.inject({ method: 'PUT', path: '/_s3/', withBody: true, action: { kind: 'truncate', bytes: 1000 } });
    const f = await localFile('cut.bin', 2 * PART, 13);
    const p = provider();
    const job = jobFor(f, `/${PARENT}/cut.bin`);
    const signal = AbortSignal.timeout(20_000);
    const s = await p.create(job, signal);
    const err = await p.sendChunk(s, job, { index: 0, offset: 0, data: f.data.subarray(0, PART), final: false }, { signal }).catch((e: unknown) => e);
    expect(isFerryError(err, 'network')).toBe(true);
    expect(await p.status(s, job, signal)).toEqual({ kind: 'parts', have: [] });
    const { remote } = await drive(p, job, f.data, s);
    expect(remote.hash?.value).toBe(f.md5);
    expect(em.stats().bytesReceived).toBe(f.data.length + 1000);
    expect(em.requests().filter((r) => r.path.includes('/add/'))).toHaveLength(2);
  });

  it('a lost complete answer: status says complete and finish creates the entity without completing again', async () => {
    await startEmu();
    em.inject({ method: 'PUT', path: '/complete', action: { kind: 'commit-then-reset' } });
    const f = await localFile('lostc.bin', PART + 9, 12);
    const p = provider();
    const job = jobFor(f, `/${PARENT}/lostc.bin`);
    const err = await drive(p, job, f.data).catch((e: unknown) => e);
    expect(isFerryError(err, 'network')).toBe(true);
    const saved = em.requests().length;
    const s = await p.create(job, AbortSignal.timeout(5_000));
    expect(s.initial).toEqual({ kind: 'complete' });
    const remote = await p.finish(s, job, { md5: f.md5 }, AbortSignal.timeout(5_000));
    expect(remote.path).toBe(`/${PARENT}/lostc.bin`);
    expect(em.requests().slice(saved).some((r) => r.path.endsWith('/complete'))).toBe(false);
    expect((await em.files())[0]?.sha256).toBe(f.sha256);
  });

  it('accepts service URLs with or without the /file/v1 and /repo/v1 suffix', async () => {
    await startEmu();
    const f = await localFile('u.bin', 10);
    const p = provider({ options: { fileUrl: `${em.url}/file/v1`, repoUrl: em.url } });
    const { remote } = await drive(p, jobFor(f, `/${PARENT}/u.bin`), f.data);
    expect(remote.path).toBe(`/${PARENT}/u.bin`);
  });

  it('reports a complete finish through status when the upload already finished', async () => {
    await startEmu();
    const f = await localFile('done.bin', PART + 1, 7);
    const job = jobFor(f, `/${PARENT}/done.bin`);
    const { session } = await drive(provider(), job, f.data);
    expect(await provider().status(session, job, AbortSignal.timeout(5_000))).toEqual({ kind: 'complete' });
  });

  it('finishing with parts missing asks the engine to reconcile', async () => {
    await startEmu();
    const f = await localFile('gap.bin', 2 * PART, 8);
    const p = provider();
    const job = jobFor(f, `/${PARENT}/gap.bin`);
    const signal = AbortSignal.timeout(10_000);
    const s = await p.create(job, signal);
    await p.sendChunk(s, job, { index: 0, offset: 0, data: f.data.subarray(0, PART), final: false }, { signal });
    const err = await p.finish(s, job, { md5: f.md5 }, signal).catch((e: unknown) => e);
    expect(isFerryError(err, 'offset-mismatch')).toBe(true);
    expect((err as FerryError).message).toMatch(/Missing 1 part\(s\)/);
    expect(await em.files()).toEqual([]);
  });

  it('does not publish a file whose stored MD5 differs from the local one', async () => {
    await startEmu();
    const f = await localFile('changed.bin', PART + 3, 9);
    const wrong = { ...f, md5: createHash('md5').update('something else').digest('hex') };
    const p = provider();
    const err = await drive(p, jobFor(wrong, `/${PARENT}/changed.bin`), f.data).catch((e: unknown) => e);
    expect(isFerryError(err, 'integrity')).toBe(true);
    expect((err as FerryError).message).toContain(f.md5);
    expect(p.classify?.(err as FerryError)).toEqual({ kind: 'permanent' });
    expect(await em.files()).toEqual([]);
  });

  it('an unknown token is an auth error; the message carries no token', async () => {
    await startEmu();
    const f = await localFile('x.bin', 10);
    const err = await provider({ token: 'not-the-token' }).create(jobFor(f, `/${PARENT}/x.bin`), AbortSignal.timeout(5_000)).catch((e: unknown) => e);
    expect(isFerryError(err, 'auth')).toBe(true);
    expect((err as FerryError).message).toMatch(/HTTP 401.*Invalid access token/);
    expect((err as FerryError).message).not.toContain('not-the-token');
  });

  it('without a parent id it says what to set', async () => {
    await startEmu();
    const f = await localFile('x.bin', 10);
    const p = createSynapseProvider({ clock: systemClock, endpoint: { url: em.url, token: em.token }, http });
    const err = await p.create(jobFor(f, '/x.bin'), AbortSignal.timeout(5_000)).catch((e: unknown) => e);
    expect(isFerryError(err, 'bad-input')).toBe(true);
    expect((err as FerryError).message).toMatch(/parentId/);
  });

  it('cancel explains that Synapse cannot abort an upload', async () => {
    await startEmu();
    const f = await localFile('c.bin', 10);
    const p = provider();
    const job = jobFor(f, `/${PARENT}/c.bin`);
    const s = await p.create(job, AbortSignal.timeout(5_000));
    expect(await p.cancel(s, job, AbortSignal.timeout(5_000))).toEqual({ deleted: false, why: 'Synapse has no API to abort a multipart upload; the server clears it after 30 days' });
  });

  it('works against a discard-mode emulator (sizes counted, nothing stored)', async () => {
    em = await startSynapseEmulator({ discard: true, minPartSize: PART, now: () => clock });
    const f = await localFile('d.bin', 2 * PART + 1, 10);
    const { remote } = await drive(provider(), jobFor(f, `/${PARENT}/d.bin`), f.data);
    expect(remote.size).toBe(f.data.length);
    expect(await em.files()).toEqual([{ path: `/${PARENT}/d.bin`, size: f.data.length, sha256: null }]);
    expect(await fsp.readdir(dir)).toEqual(['d.bin']);
  });
});

/** Flips one byte of the first request matching `match`: bytes damaged in transit. */
class CorruptOnce implements Http {
  private done = false;
  constructor(private readonly inner: Http, private readonly match: (r: HttpRequest) => boolean) {}
  request(r: HttpRequest): Promise<HttpResponse> {
    if (!this.done && this.match(r) && Buffer.isBuffer(r.body) && r.body.length > 0) {
      this.done = true;
      const body = Buffer.from(r.body);
      body[0] = body[0]! ^ 0xff;
      return this.inner.request({ ...r, body });
    }
    return this.inner.request(r);
  }
}
