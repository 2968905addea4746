// The Box client driven directly against the Box emulator on loopback, with a small loop that
// plays the engine's part (create, ask the server, send what is missing, reconcile, finish).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError, isFerryError } from '../../app/common/errors.js';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import { classify } from '../../app/engine/classify.js';
import type { Provider, RemoteFile, Session, UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { createBoxProvider } from '../../app/providers/box/client.js';
import { type BoxEmulatorOptions, type BoxRunningEmulator, startBoxEmulator } from '../../app/emulators/box/emulator.js';
import { systemClock } from '../../app/node/system-clock.js';

const PART = 64 * 1024;
const THRESHOLD = 3 * PART;

let dir: string;
let emu: BoxRunningEmulator;
let http: UndiciHttp;
const signal = new AbortController().signal;

async function start(o: BoxEmulatorOptions = {}): Promise<void> {
  emu = await startBoxEmulator({ dataDir: join(dir, 'emu'), partSize: PART, minSessionFileSize: THRESHOLD, ...o });
}

function provider(token = emu.token): Provider {
  return createBoxProvider({ endpoint: { url: emu.url, token }, http, clock: systemClock, options: { uploadUrl: emu.uploadUrl, minSessionFileSize: String(THRESHOLD) } });
}

async function localFile(name: string, size: number): Promise<{ job: (remotePath: string, conflict?: ConflictPolicy) => UploadJob; data: Buffer; sha1: string }> {
  const data = randomBytes(size);
  const path = join(dir, name);
  await fsp.writeFile(path, data);
  return {
    data,
    sha1: createHash('sha1').update(data).digest('hex'),
    job: (remotePath, conflict = 'fail') => ({ file: { path, name, size, mtimeMs: 0 }, target: { remotePath, conflict }, chunkSize: PART, digests: {} }),
  };
}

/** The engine's part in miniature: every loop bounded, reconcile by asking the server. */
async function drive(p: Provider, job: UploadJob, session?: Session): Promise<{ remote: RemoteFile; session: Session }> {
  const s = session ?? (await p.create(job, signal));
  const data = await fsp.readFile(job.file.path);
  const count = Math.ceil(job.file.size / s.chunkSize);
  let state = await p.status(s, job, signal);
  for (let i = 0, attempts = 0; i < count; i++) {
    if (state.kind === 'complete') break;
    if (state.kind === 'parts' && state.have.includes(i)) continue;
    const offset = i * s.chunkSize;
    const chunk = { index: i, offset, data: data.subarray(offset, Math.min(job.file.size, offset + s.chunkSize)), final: i === count - 1 };
    try {
      const after = await p.sendChunk(s, job, chunk, { signal });
      if (after) state = after;
    } catch (e) {
      if (++attempts > 4) throw e;
      const verdict = (isFerryError(e) ? p.classify?.(e) : undefined) ?? classify(e);
      if (verdict.kind === 'permanent' || verdict.kind === 'session-gone' || verdict.kind === 'auth') throw e;
      state = await p.status(s, job, signal);
      i--;
    }
  }
  if (state.kind === 'complete' && state.result) return { remote: state.result, session: s };
  const sha1 = createHash('sha1').update(data).digest('hex');
  return { remote: await p.finish(s, job, { sha1 }, signal), session: s };
}

const stored = (remotePath: string): Promise<Buffer> => fsp.readFile(join(dir, 'emu', 'files', remotePath));
const log = (): string[] => emu.requests().map((r) => `${r.method} ${r.path.replace(/[0-9A-F]{32}/, '{id}')} ${r.status}`);

async function failure(p: Promise<unknown>): Promise<FerryError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FerryError);
  return e as FerryError;
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-box-client-'));
  http = new UndiciHttp({ idleTimeoutMs: 10_000 });
});

afterEach(async () => {
  await http.close?.();
  await emu?.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('Box client: sizes and paths', () => {
  it('creates /a/b for /a/b/c.bin once, then reuses the folders', async () => {
    await start();
    const f = await localFile('c.bin', 1000);
    const p = provider();
    const { remote } = await drive(p, f.job('/a/b/c.bin'));
    expect(remote).toMatchObject({ path: '/a/b/c.bin', size: 1000, hash: { algorithm: 'sha1', value: f.sha1 } });
    expect((await stored('/a/b/c.bin')).equals(f.data)).toBe(true);
    expect(log().filter((l) => l.startsWith('POST /2.0/folders'))).toEqual(['POST /2.0/folders 201', 'POST /2.0/folders 201']);
    // A second file in the same folder, from a fresh client that must find the folders by listing.
    const g = await localFile('d.bin', 10);
    await drive(provider(), g.job('/A/b/d.bin'));
    expect(log().filter((l) => l.startsWith('POST /2.0/folders'))).toHaveLength(2);
    expect((await emu.files()).map((x) => x.path)).toEqual(['/a/b/c.bin', '/a/b/d.bin']);
  });

  it.each([0, 1, THRESHOLD - 1])('a %i-byte file takes the simple upload, byte-identical', async (size) => {
    await start();
    const f = await localFile('small.bin', size);
    const { remote } = await drive(provider(), f.job('/small.bin'));
    expect(remote.hash).toEqual({ algorithm: 'sha1', value: f.sha1 });
    expect((await stored('/small.bin')).equals(f.data)).toBe(true);
    expect(log()).toEqual(['OPTIONS /2.0/files/content 200', 'POST /api/2.0/files/content 201']);
  });

  it.each([
    ['n × part_size', 4 * PART],
    ['n × part_size + 1', 4 * PART + 1],
    ['n × part_size − 1', 4 * PART - 1],
    ['the session minimum', THRESHOLD],
  ])('a file of %s goes through a session in exact, aligned parts', async (_label, size) => {
    await start();
    const f = await localFile('big.bin', size);
    const { remote, session } = await drive(provider(), f.job('/big.bin'));
    expect(session.chunkSize).toBe(PART);
    expect(remote).toMatchObject({ path: '/big.bin', size, hash: { algorithm: 'sha1', value: f.sha1 } });
    expect((await stored('/big.bin')).equals(f.data)).toBe(true);
    const ranges = emu.requests().filter((r) => r.method === 'PUT').map((r) => r.headers['content-range']);
    const expected = Array.from({ length: Math.ceil(size / PART) }, (_, i) => `bytes ${i * PART}-${Math.min(size, (i + 1) * PART) - 1}/${size}`);
    expect(ranges).toEqual(expected);
    expect(emu.requests().filter((r) => r.method === 'PUT').every((r) => r.status === 200)).toBe(true);
  });
});

describe('Box client: conflicts', () => {
  it.each([['small', 100], ['session', 4 * PART]])('fail: a taken name is a name-conflict naming the path (%s)', async (_label, size) => {
    await start();
    const f = await localFile('x.bin', size);
    await drive(provider(), f.job('/d/x.bin'));
    const before = emu.requests().length;
    const e = await failure(drive(provider(), f.job('/d/x.bin', 'fail')));
    expect(e.code).toBe('name-conflict');
    expect(e.message).toContain('/d/x.bin');
    expect(classify(e).kind).toBe('permanent');
    // No byte of the file was sent for the refused upload.
    expect(emu.requests().slice(before).reduce((n, r) => n + r.bytes, 0)).toBeLessThan(1000);
  });

  it.each([['small', 100], ['session', 4 * PART]])('rename: the second upload becomes "x (1).bin" (%s)', async (_label, size) => {
    await start();
    const f = await localFile('x.bin', size);
    await drive(provider(), f.job('/d/x.bin'));
    const { remote } = await drive(provider(), f.job('/d/x.bin', 'rename'));
    expect(remote.path).toBe('/d/x (1).bin');
    expect((await stored('/d/x (1).bin')).equals(f.data)).toBe(true);
  });

  it.each([['small', 100], ['session', 4 * PART]])('replace: a new version of the same file id (%s)', async (_label, size) => {
    await start();
    const first = await localFile('one.bin', size);
    const a = await drive(provider(), first.job('/d/x.bin'));
    const second = await localFile('two.bin', size + 7);
    const b = await drive(provider(), second.job('/d/x.bin', 'replace'));
    expect(b.remote.id).toBe(a.remote.id);
    expect(b.remote.hash?.value).toBe(second.sha1);
    expect((await stored('/d/x.bin')).equals(second.data)).toBe(true);
    expect((await emu.files()).map((x) => x.path)).toEqual(['/d/x.bin']);
  });
});
