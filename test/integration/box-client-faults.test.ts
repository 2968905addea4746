// The Box client meeting faults (fault catalogue rows 15, 29, 34), resuming and cancelling,
// against the Box emulator on loopback. Each test drives the provider calls the engine makes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../app/common/errors.js';
import { classify } from '../../app/engine/classify.js';
import type { Chunk, Provider, UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { createBoxProvider } from '../../app/providers/box/client.js';
import { type BoxEmulatorOptions, type BoxRunningEmulator, startBoxEmulator } from '../../app/emulators/box/emulator.js';
import { systemClock } from '../../app/node/system-clock.js';
import type { Clock } from '../../app/engine/ports.js';

const PART = 64 * 1024;
const SIZE = 4 * PART + 999;
const PARTS = 5;

let dir: string;
let emu: BoxRunningEmulator;
let http: UndiciHttp;
let data: Buffer;
let sha1: string;
let job: UploadJob;
let clock: number;
const signal = new AbortController().signal;

async function start(o: BoxEmulatorOptions = {}): Promise<void> {
  emu = await startBoxEmulator({ dataDir: join(dir, 'emu'), partSize: PART, minSessionFileSize: 3 * PART, now: () => clock, ...o });
}

function provider(clock: Clock = systemClock, token = emu.token): Provider {
  return createBoxProvider({ endpoint: { url: emu.url, token }, http, clock, options: { uploadUrl: emu.uploadUrl, minSessionFileSize: String(3 * PART) } });
}

const chunk = (i: number): Chunk => ({ index: i, offset: i * PART, data: data.subarray(i * PART, Math.min(SIZE, (i + 1) * PART)), final: i === PARTS - 1 });
const puts = (): { range: string | undefined; status: number }[] => emu.requests().filter((r) => r.method === 'PUT').map((r) => ({ range: r.headers['content-range'], status: r.status }));

async function failure(p: Promise<unknown>): Promise<FerryError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FerryError);
  return e as FerryError;
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-box-faults-'));
  http = new UndiciHttp({ idleTimeoutMs: 10_000 });
  clock = Date.UTC(2026, 0, 1);
  data = randomBytes(SIZE);
  sha1 = createHash('sha1').update(data).digest('hex');
  const path = join(dir, 'big.bin');
  await fsp.writeFile(path, data);
  job = { file: { path, name: 'big.bin', size: SIZE, mtimeMs: 0 }, target: { remotePath: '/in/big.bin', conflict: 'fail' }, chunkSize: PART, digests: {} };
});

afterEach(async () => {
  await http.close?.();
  await emu?.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('Box client: row 15 (part 409/416, commit 202)', () => {
  it('a part the server already holds is a reconcile; status shows it held and it is never sent again', async () => {
    await start();
    const p = provider();
    const s = await p.create(job, signal);
    await p.sendChunk(s, job, chunk(0), { signal });
    // The answer to part 1 is lost after Box stored it: the client sees a network error.
    emu.inject({ method: 'PUT', times: 1, action: { kind: 'commit-then-reset' } });
    const lost = await failure(p.sendChunk(s, job, chunk(1), { signal }));
    expect(classify(lost).kind).toBe('transient');
    // Sending it again meets Box's 416 range_overlaps_existing_part: reconcile, not retry.
    const overlap = await failure(p.sendChunk(s, job, chunk(1), { signal }));
    expect(overlap.code).toBe('offset-mismatch');
    expect(overlap.context).toMatchObject({ status: 416, serverCode: 'range_overlaps_existing_part' });
    expect(classify(overlap).kind).toBe('reconcile');
    expect(await p.status(s, job, signal)).toEqual({ kind: 'parts', have: [0, 1] });
    for (const i of [2, 3, 4]) await p.sendChunk(s, job, chunk(i), { signal });
    const remote = await p.finish(s, job, { sha1 }, signal);
    expect(remote.hash).toEqual({ algorithm: 'sha1', value: sha1 });
    expect((await fsp.readFile(join(dir, 'emu', 'files', 'in', 'big.bin'))).equals(data)).toBe(true);
    // Part 1 was stored once (its answer lost: no status logged), refused once, never sent after the status.
    expect(puts().map((x) => x.status)).toEqual([200, 0, 416, 200, 200, 200]);
    expect(puts().map((x) => x.range?.split('-')[0])).toEqual(['bytes 0', `bytes ${PART}`, `bytes ${PART}`, `bytes ${2 * PART}`, `bytes ${3 * PART}`, `bytes ${4 * PART}`]);
  });

  it('a part cut off mid-body is a network error; Box holds nothing of it and the resend completes the file', async () => {
    await start();
    const p = provider();
    const s = await p.create(job, signal);
    emu.inject({ method: 'PUT', after: 2, times: 1, action: { kind: 'truncate', bytes: 1000 } });
    for (const i of [0, 1]) await p.sendChunk(s, job, chunk(i), { signal });
    const cut = await failure(p.sendChunk(s, job, chunk(2), { signal }));
    expect(classify(cut).kind).toBe('transient');
    expect(await p.status(s, job, signal)).toEqual({ kind: 'parts', have: [0, 1] });
    for (const i of [2, 3, 4]) await p.sendChunk(s, job, chunk(i), { signal });
    expect((await p.finish(s, job, { sha1 }, signal)).hash?.value).toBe(sha1);
    expect((await fsp.readFile(join(dir, 'emu', 'files', 'in', 'big.bin'))).equals(data)).toBe(true);
  });

  it('a 409 on a part is a reconcile too', async () => {
    await start();
    const p = provider();
    const s = await p.create(job, signal);
    emu.inject({ method: 'PUT', times: 1, action: { kind: 'respond', status: 409, body: JSON.stringify({ type: 'error', status: 409, code: 'conflict', message: 'Chunk conflicts' }) } });
    const e = await failure(p.sendChunk(s, job, chunk(0), { signal }));
    expect(e.code).toBe('offset-mismatch');
    expect(e.message).toContain('part 1 of 5 of /in/big.bin');
    expect(await p.status(s, job, signal)).toEqual({ kind: 'parts', have: [] });
  });

  it('commit: 202 + Retry-After 3 twice, then 201; waits ≥ 3 s each, same commit re-sent', async () => {
    await start({ commitAcceptedCount: 2, retryAfterSeconds: 3 });
    const waits: number[] = [];
    const p = provider({ now: Date.now, sleep: async (ms: number) => void waits.push(ms) });
    const s = await p.create(job, signal);
    for (let i = 0; i < PARTS; i++) await p.sendChunk(s, job, chunk(i), { signal });
    const remote = await p.finish(s, job, { sha1 }, signal);
    expect(remote).toMatchObject({ path: '/in/big.bin', size: SIZE, hash: { value: sha1 } });
    expect(waits).toEqual([3000, 3000]);
    const commits = emu.requests().filter((r) => r.path.endsWith('/commit'));
    expect(commits.map((r) => r.status)).toEqual([202, 202, 201]);
  });

  it('commit: a 202 that never ends gives up after 10 attempts as server-error', async () => {
    await start({ commitAcceptedCount: 100, retryAfterSeconds: 0 });
    const waits: number[] = [];
    const p = provider({ now: Date.now, sleep: async (ms: number) => void waits.push(ms) });
    const s = await p.create(job, signal);
    for (let i = 0; i < PARTS; i++) await p.sendChunk(s, job, chunk(i), { signal });
    const e = await failure(p.finish(s, job, { sha1 }, signal));
    expect(e.code).toBe('server-error');
    expect(e.message).toContain('/in/big.bin');
    expect(emu.requests().filter((r) => r.path.endsWith('/commit'))).toHaveLength(10);
    expect(waits).toHaveLength(9);
  });

  it('commit: cancelling during a Retry-After wait stops at once', async () => {
    await start({ commitAcceptedCount: 1, retryAfterSeconds: 30 });
    const p = provider();
    const s = await p.create(job, signal);
    for (let i = 0; i < PARTS; i++) await p.sendChunk(s, job, chunk(i), { signal });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    const e = await failure(p.finish(s, job, { sha1 }, ac.signal));
    expect(e.code).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('Box client: answers lost after the server acted', () => {
  it('a commit whose answer was lost: the retry meets 404, finds the file with our SHA-1, and reports it done', async () => {
    await start();
    const p = provider();
    const s = await p.create(job, signal);
    for (let i = 0; i < PARTS; i++) await p.sendChunk(s, job, chunk(i), { signal });
    emu.inject({ method: 'POST', path: '/commit', times: 1, action: { kind: 'commit-then-reset' } });
    const lost = await failure(p.finish(s, job, { sha1 }, signal));
    expect(classify(lost).kind).toBe('transient');
    const remote = await p.finish(s, job, { sha1 }, signal);
    expect(remote).toMatchObject({ path: '/in/big.bin', hash: { algorithm: 'sha1', value: sha1 } });
    expect(emu.requests().filter((r) => r.path.endsWith('/commit')).map((r) => r.status)).toEqual([0, 404]);
    expect((await emu.files()).map((f) => f.path)).toEqual(['/in/big.bin']);
  });

  it('a small upload whose answer was lost is not refused as a name conflict on its retry, nor duplicated', async () => {
    await start();
    const p = provider();
    const small = data.subarray(0, 500);
    const path = join(dir, 's.bin');
    await fsp.writeFile(path, small);
    const j: UploadJob = { ...job, file: { ...job.file, path, size: small.length }, target: { remotePath: '/s.bin', conflict: 'rename' } };
    const s = await p.create(j, signal);
    emu.inject({ method: 'POST', path: '/files/content', times: 1, action: { kind: 'commit-then-reset' } });
    const c = { index: 0, offset: 0, data: small, final: true };
    expect(classify(await failure(p.sendChunk(s, j, c, { signal }))).kind).toBe('transient');
    const st = await p.sendChunk(s, j, c, { signal });
    expect(st).toMatchObject({ kind: 'complete', result: { path: '/s.bin', hash: { value: createHash('sha1').update(small).digest('hex') } } });
    expect((await emu.files()).map((f) => f.path)).toEqual(['/s.bin']);
  });
});

describe('Box client: names taken behind our back', () => {
  it('a name taken between create and commit is name-conflict at finish (409 item_name_in_use)', async () => {
    await start();
    const p = provider();
    const s = await p.create(job, signal);
    for (let i = 0; i < PARTS; i++) await p.sendChunk(s, job, chunk(i), { signal });
    const smallPath = join(dir, 'other.bin');
    await fsp.writeFile(smallPath, 'other');
    const other: UploadJob = { ...job, file: { ...job.file, path: smallPath, size: 5 } };
    const o = await p.create(other, signal);
    await p.sendChunk(o, other, { index: 0, offset: 0, data: Buffer.from('other'), final: true }, { signal });
    const e = await failure(p.finish(s, job, { sha1 }, signal));
    expect(e).toMatchObject({ code: 'name-conflict', context: { status: 409, serverCode: 'item_name_in_use' } });
    expect(e.message).toContain('/in/big.bin');
  });

  it('a file where a folder of the path should be is name-conflict naming the folder', async () => {
    await start();
    const p = provider();
    const smallPath = join(dir, 'in');
    await fsp.writeFile(smallPath, 'x');
    const blocker: UploadJob = { ...job, file: { ...job.file, path: smallPath, size: 1 }, target: { remotePath: '/in', conflict: 'fail' } };
    const b = await p.create(blocker, signal);
    await p.sendChunk(b, blocker, { index: 0, offset: 0, data: Buffer.from('x'), final: true }, { signal });
    const e = await failure(p.create(job, signal));
    expect(e.code).toBe('name-conflict');
    expect(e.message).toContain('/in');
  });
});

describe('Box client: integrity (rows 29, part and file digests)', () => {
  it('a wrong whole-file SHA-1 at commit is integrity, final (400 digest_mismatch)', async () => {
    await start();
    const p = provider();
    const s = await p.create(job, signal);
    for (let i = 0; i < PARTS; i++) await p.sendChunk(s, job, chunk(i), { signal });
    const e = await failure(p.finish(s, job, { sha1: '0'.repeat(40) }, signal));
    expect(e).toMatchObject({ code: 'integrity', context: { status: 400, serverCode: 'digest_mismatch' } });
    expect(p.classify?.(e)).toEqual({ kind: 'permanent' });
    expect(await emu.files()).toEqual([]);
  });

  it('a part digest rejection (412) is integrity: resend once', async () => {
    await start();
    const p = provider();
    const s = await p.create(job, signal);
    emu.inject({ method: 'PUT', times: 1, action: { kind: 'respond', status: 412, body: '{"type":"error","status":412,"code":"digest_mismatch","message":"bad digest"}' } });
    const e = await failure(p.sendChunk(s, job, chunk(0), { signal }));
    expect(e.code).toBe('integrity');
    expect(p.classify?.(e) ?? classify(e)).toEqual({ kind: 'resend' });
  });

  it.each([['session', SIZE], ['small', 500]])('row 29: the sha1 Box reports is passed on as is, so a wrong one shows (%s)', async (_label, size) => {
    await start({ wrongFileSha1: true });
    const p = provider();
    const small = data.subarray(0, size);
    const path = join(dir, 'f.bin');
    await fsp.writeFile(path, small);
    const j: UploadJob = { ...job, file: { ...job.file, path, size } };
    const s = await p.create(j, signal);
    let remote;
    if (size < 3 * PART) {
      const st = await p.sendChunk(s, j, { index: 0, offset: 0, data: small, final: true }, { signal });
      remote = st?.kind === 'complete' ? st.result : undefined;
    } else {
      for (let i = 0; i < PARTS; i++) await p.sendChunk(s, j, chunk(i), { signal });
      remote = await p.finish(s, j, { sha1 }, signal);
    }
    const local = createHash('sha1').update(small).digest('hex');
    expect(remote?.hash?.algorithm).toBe('sha1');
    expect(remote?.hash?.value).toMatch(/^[0-9a-f]{40}$/);
    expect(remote?.hash?.value).not.toBe(local);
  });
});

describe('Box client: resume, expiry, cancel, auth', () => {
  it('a new client with the journalled ref learns the parts (paged) and sends only the missing ones', async () => {
    await start({ maxPageLimit: 2 });
    const first = provider();
    const s = await first.create(job, signal);
    for (const i of [0, 2, 3]) await first.sendChunk(s, job, chunk(i), { signal });
    // Restart: only the JSON ref survives.
    const p = provider();
    const resumed = { ...s, ref: JSON.parse(JSON.stringify(s.ref)) };
    const st = await p.status(resumed, job, signal);
    expect(st).toEqual({ kind: 'parts', have: [0, 2, 3] });
    const lists = emu.requests().filter((r) => r.path.endsWith('/parts'));
    expect(lists).toHaveLength(2);
    for (const i of [1, 4]) await p.sendChunk(resumed, job, chunk(i), { signal });
    await p.finish(resumed, job, { sha1 }, signal);
    expect((await fsp.readFile(join(dir, 'emu', 'files', 'in', 'big.bin'))).equals(data)).toBe(true);
    expect(puts().map((x) => x.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('a session past its 7 days is session-gone', async () => {
    await start();
    const p = provider();
    const s = await p.create(job, signal);
    expect(s.expiresAt).toBe(clock + 7 * 24 * 3600 * 1000);
    await p.sendChunk(s, job, chunk(0), { signal });
    clock += 7 * 24 * 3600 * 1000 + 1;
    const e = await failure(p.status(s, job, signal));
    expect(e.code).toBe('session-gone');
    expect((await failure(p.sendChunk(s, job, chunk(1), { signal }))).code).toBe('session-gone');
  });

  it('row 34: cancel deletes the session; every later call on it is a 404', async () => {
    await start();
    const p = provider();
    const s = await p.create(job, signal);
    await p.sendChunk(s, job, chunk(0), { signal });
    expect(await p.cancel(s, job, signal)).toEqual({ deleted: true });
    const del = emu.requests().filter((r) => r.method === 'DELETE');
    expect(del.map((r) => r.status)).toEqual([204]);
    expect(emu.stats().sessionsDeleted).toBe(1);
    expect((await failure(p.status(s, job, signal))).code).toBe('session-gone');
    expect((await failure(p.sendChunk(s, job, chunk(1), { signal }))).code).toBe('session-gone');
    expect((await failure(p.finish(s, job, { sha1 }, signal))).code).toBe('session-gone');
    expect(await p.cancel(s, job, signal)).toMatchObject({ deleted: false });
    // (status also looks for a file the session might have made before it vanished: there is none)
    const after = emu.requests().filter((r) => r.path.includes('/upload_sessions/')).slice(-4);
    expect(after.every((r) => r.status === 404)).toBe(true);
    expect(await emu.files()).toEqual([]);
  });

  it('a repeated create while a session is open gets that session back (409 session_conflict)', async () => {
    await start({ sessionConflict: true });
    const p = provider();
    const a = await p.create(job, signal);
    const b = await p.create(job, signal);
    expect((b.ref as { id: string }).id).toBe((a.ref as { id: string }).id);
    expect(emu.requests().filter((r) => r.path.endsWith('/upload_sessions')).map((r) => r.status)).toEqual([201, 409]);
  });

  it('a wrong token is auth, and the token appears in no error message', async () => {
    await start();
    const e = await failure(provider(systemClock, 'not-the-token-xyz').create(job, signal));
    expect(e.code).toBe('auth');
    expect(e.message).not.toContain('not-the-token-xyz');
    expect(JSON.stringify(e.context)).not.toContain('not-the-token-xyz');
  });
});
