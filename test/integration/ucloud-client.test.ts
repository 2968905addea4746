// The UCloud client (real undici transport) against the UCloud emulator on loopback, with the
// fault proxy in between where the network has to misbehave. The engine is not used: each test
// drives create / sendChunk / status / finish the way the engine's chunk loop will.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import { classify } from '../../app/engine/classify.js';
import { streams } from '../../app/engine/pace.js';
import type { Provider, Session, UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { createUcloudProvider } from '../../app/providers/ucloud/client.js';
import { startUcloudEmulator, type UcloudEmulatorOptions } from '../../app/emulators/ucloud/emulator.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { systemClock } from '../../app/node/system-clock.js';

const MiB = 1 << 20;
const unexpected = (): never => { throw new Error('expected a failure, the call succeeded'); };
const asFerry = (e: unknown): FerryError => {
  expect(e).toBeInstanceOf(FerryError);
  return e as FerryError;
};
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('UCloud client ↔ emulator', () => {
  let dir: string;
  let emu: RunningEmulator;
  let proxy: FaultProxy | undefined;
  let http: UndiciHttp;
  let clock: number;

  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-ucloud-client-'));
    clock = Date.now();
    http = new UndiciHttp({ idleTimeoutMs: 5_000 });
  });
  afterEach(async () => {
    await http.close();
    await proxy?.close();
    proxy = undefined;
    await emu.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  const start = async (o: UcloudEmulatorOptions & { idleTimeoutMs?: number; discard?: boolean } = {}): Promise<void> => {
    emu = await startUcloudEmulator({ dataDir: join(dir, 'server'), now: () => clock, idleTimeoutMs: 5_000, protocol: 'CHUNKED', ...o });
  };
  const client = (o: { viaProxy?: boolean; token?: string; skewMs?: number } = {}): Provider =>
    createUcloudProvider({ clock: { now: () => Date.now() + (o.skewMs ?? 0), sleep: systemClock.sleep }, endpoint: { url: o.viaProxy ? proxy!.url : emu.url, token: o.token ?? emu.token }, http });
  const localFile = async (name: string, size: number): Promise<{ job: (remotePath: string, conflict?: ConflictPolicy, chunkSize?: number) => UploadJob; data: Buffer }> => {
    const data = randomBytes(size);
    const path = join(dir, name);
    await fsp.writeFile(path, data);
    return { data, job: (remotePath, conflict = 'rename', chunkSize = MiB) => ({ file: { path, name, size, mtimeMs: 1 }, target: { remotePath, conflict }, chunkSize, digests: {} }) };
  };
  const signal = new AbortController().signal;
  const send = (p: Provider, s: Session, job: UploadJob, data: Buffer, index: number): Promise<unknown> => {
    const offset = index * s.chunkSize;
    const end = Math.min(data.length, offset + s.chunkSize);
    return p.sendChunk(s, job, { index, offset, data: data.subarray(offset, end), final: end === data.length }, { signal });
  };
  const chunkCount = (size: number, chunk: number): number => Math.max(1, Math.ceil(size / chunk));
  /** Chunk requests the emulator saw, as [offset header, body bytes]. */
  const chunkLog = (): [string | undefined, number][] =>
    emu.requests().filter((r) => r.path.endsWith('/chunked/upload')).map((r) => [r.headers['chunked-upload-offset'], r.bytes]);

  it('uploads a file in order, one POST per chunk at its own offset, ending byte-identical', async () => {
    await start();
    const { data, job } = await localFile('big.iso', Math.round(2.5 * MiB));
    const p = client();
    const j = job('/123/isos/big.iso');
    const s = await p.create(j, signal);
    expect(await p.status(s, j, signal)).toEqual({ kind: 'unknown' });
    for (let i = 0; i < chunkCount(data.length, s.chunkSize); i++) await send(p, s, j, data, i);
    expect(await p.finish(s, j, {}, signal)).toEqual({ path: '/123/isos/big.iso', size: data.length });
    expect(await emu.files()).toEqual([{ path: '/123/isos/big.iso', size: data.length, sha256: sha(data) }]);
    expect(chunkLog()).toEqual([['0', MiB], [String(MiB), MiB], [String(2 * MiB), data.length - 2 * MiB]]);
    expect(emu.requests().map((r) => r.headers['chunked-upload-total-size']).filter(Boolean)).toEqual(Array(3).fill(String(data.length)));
    expect(emu.requests()).toHaveLength(4);
  });

  it('CHUNKED chunks are streamed from the file (no chunk buffer): the body the engine streams is what lands', async () => {
    await start();
    const { data, job } = await localFile('stream.iso', Math.round(2.5 * MiB));
    const p = client();
    const j = job('/123/isos/stream.iso');
    const s = await p.create(j, signal);
    expect(streams(p, s)).toBe(true);
    for (let i = 0; i < chunkCount(data.length, s.chunkSize); i++) {
      const offset = i * s.chunkSize;
      const bytes = data.subarray(offset, Math.min(data.length, offset + s.chunkSize));
      // Slices as the engine's chunk stream hands them over; `data` stays empty.
      const body = { length: bytes.length, async *read() { for (let at = 0; at < bytes.length; at += 300_000) yield bytes.subarray(at, at + 300_000); } };
      await p.sendChunk(s, j, { index: i, offset, data: Buffer.alloc(0), body, final: offset + bytes.length === data.length }, { signal });
    }
    await p.finish(s, j, {}, signal);
    expect(await emu.files()).toEqual([{ path: '/123/isos/stream.iso', size: data.length, sha256: sha(data) }]);
  });

  it('applies the conflict policy on commit: rename lands beside, fail is a name-conflict naming the file', async () => {
    await start();
    const { data, job } = await localFile('clip.mov', 300_000);
    const upload = async (conflict: ConflictPolicy): Promise<void> => {
      const p = client();
      const j = job('/1/clips/clip.mov', conflict, 200_000);
      const s = await p.create(j, signal);
      for (let i = 0; i < 2; i++) await send(p, s, j, data, i);
    };
    await upload('rename');
    await upload('rename');
    await upload('replace');
    const err = await upload('fail').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('name-conflict');
    expect(classify(err).kind).toBe('permanent');
    expect((err as FerryError).message).toMatch(/clip\.mov.*HTTP 409.*already exists at \/1\/clips\/clip\.mov/);
    expect((await emu.files()).map((f) => [f.path, f.sha256])).toEqual([['/1/clips/clip (1).mov', sha(data)], ['/1/clips/clip.mov', sha(data)]]);
  });

  it('turns a 0-byte local file into a 0-byte remote file', async () => {
    await start();
    const { job } = await localFile('empty.txt', 0);
    const p = client();
    const j = job('/1/empty.txt');
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, { index: 0, offset: 0, data: Buffer.alloc(0), final: true }, { signal });
    await p.finish(s, j, {}, signal);
    expect(await emu.files()).toEqual([{ path: '/1/empty.txt', size: 0, sha256: sha(Buffer.alloc(0)) }]);
    expect(chunkLog()).toEqual([['0', 0]]);
  });

  it('reports an expired session as session-gone, and a wrong API token as auth, never echoing secrets', async () => {
    await start({ sessionIdleMs: 30 * 60_000 });
    const { data, job } = await localFile('a.bin', 100_000);
    const p = client();
    const j = job('/1/a.bin', 'rename', 50_000);
    const s = await p.create(j, signal);
    await send(p, s, j, data, 0);
    clock += 30 * 60_000 + 1;
    const gone = await send(p, s, j, data, 1).then(unexpected, asFerry);
    expect(gone.code).toBe('session-gone');
    expect(gone.message).toMatch(/a\.bin.*HTTP 404.*no longer valid/);
    const token = (s.ref as { token: string }).token;
    expect(gone.message + JSON.stringify(gone.context)).not.toContain(token);
    const auth = await client({ token: 'wrong-secret' }).create(j, signal).then(unexpected, asFerry);
    expect(auth.code).toBe('auth');
    expect(auth.message + JSON.stringify(auth.context)).not.toMatch(/wrong-secret|emu_/);
  });

  it('row 47: a chunk cut after the server wrote part of it is re-sent whole at the same offset; no duplication', async () => {
    await start();
    const { data, job } = await localFile('r47.bin', 3 * MiB);
    const p = client();
    const j = job('/1/r47.bin');
    const s = await p.create(j, signal);
    emu.inject({ path: '/chunked/upload', after: 1, action: { kind: 'truncate', bytes: 300_000 } });
    await send(p, s, j, data, 0);
    const cut = await send(p, s, j, data, 1).then(unexpected, asFerry);
    expect(cut).toBeInstanceOf(FerryError);
    expect(classify(cut).kind).toBe('transient');
    expect(await p.status(s, j, signal)).toEqual({ kind: 'unknown' });
    await send(p, s, j, data, 1);
    await send(p, s, j, data, 2);
    expect(await emu.files()).toEqual([{ path: '/1/r47.bin', size: data.length, sha256: sha(data) }]);
    expect(chunkLog().map(([o]) => o)).toEqual(['0', String(MiB), String(MiB), String(2 * MiB)]);
  });

  it('resumes in a new process from the journal: the session reference survives JSON, the cut chunk is re-sent whole', async () => {
    await start();
    const { data, job } = await localFile('resume.iso', 4 * MiB);
    const j = job('/1/resume.iso');
    const first = client();
    const s = await first.create(j, signal);
    await send(first, s, j, data, 0);
    await send(first, s, j, data, 1);
    const journal = JSON.stringify({ ref: s.ref, chunkSize: s.chunkSize, confirmed: 2 * s.chunkSize });
    // The process dies while chunk 2 is on the wire; the server keeps what it wrote.
    emu.inject({ path: '/chunked/upload', action: { kind: 'truncate', bytes: 123_456 } });
    await send(first, s, j, data, 2).then(unexpected, asFerry);
    await http.close();
    http = new UndiciHttp({ idleTimeoutMs: 5_000 });
    const saved = JSON.parse(journal) as { ref: Session['ref']; chunkSize: number; confirmed: number };
    const second = client();
    const resumed: Session = { ref: saved.ref, chunkSize: saved.chunkSize };
    expect(await second.status(resumed, j, signal)).toEqual({ kind: 'unknown' });
    for (let i = saved.confirmed / saved.chunkSize; i < 4; i++) await send(second, resumed, j, data, i);
    await second.finish(resumed, j, {}, signal);
    expect(await emu.files()).toEqual([{ path: '/1/resume.iso', size: data.length, sha256: sha(data) }]);
    expect(emu.stats().sessionsCreated).toBe(1);
  });

  it('row 1: a reset mid-chunk through the proxy costs one chunk re-sent, and the file is identical', async () => {
    await start();
    proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port) });
    const { data, job } = await localFile('r1.bin', 3 * MiB);
    const p = client({ viaProxy: true });
    const j = job('/1/r1.bin');
    const s = await p.create(j, signal);
    await send(p, s, j, data, 0);
    await proxy.setMode({ kind: 'reset_after', bytes: Math.round(0.4 * MiB) });
    const cut = await send(p, s, j, data, 1).then(unexpected, asFerry);
    expect(cut.code).toBe('network');
    await send(p, s, j, data, 1);
    await send(p, s, j, data, 2);
    expect(await emu.files()).toEqual([{ path: '/1/r1.bin', size: data.length, sha256: sha(data) }]);
    // Everything sent beyond the file itself (headers aside) is the one interrupted attempt.
    expect(proxy.bytesUp() - data.length).toBeLessThan(0.4 * MiB + 64 * 1024);
  });

  it('row 3: a black-holed chunk stalls, the retry waits out the server\'s stale request, then completes', async () => {
    await start({ idleTimeoutMs: 1_000 });
    proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port) });
    const stallHttp = new UndiciHttp({ idleTimeoutMs: 400 });
    try {
      const p = createUcloudProvider({ clock: systemClock, endpoint: { url: proxy.url, token: emu.token }, http: stallHttp });
      const { data, job } = await localFile('r3.bin', 2 * MiB);
      const j = job('/1/r3.bin');
      const s = await p.create(j, signal);
      await proxy.setMode({ kind: 'blackhole_after', bytes: 200_000 });
      const stalled = await send(p, s, j, data, 0).then(unexpected, asFerry);
      expect(stalled.code).toBe('stalled');
      await proxy.setMode({ kind: 'pass' });
      const verdicts: string[] = [];
      for (let attempt = 0; ; attempt++) {
        expect(attempt).toBeLessThan(20);
        const e = await send(p, s, j, data, 0).then(() => undefined, (err: unknown) => err);
        if (e === undefined) break;
        verdicts.push(classify(e).kind);
        await new Promise((r) => setTimeout(r, 200));
      }
      // Whatever the retry met while the server still held the stalled request, it was worth retrying.
      expect(verdicts.every((v) => v === 'transient')).toBe(true);
      await send(p, s, j, data, 1);
      expect(await emu.files()).toEqual([{ path: '/1/r3.bin', size: data.length, sha256: sha(data) }]);
    } finally {
      await stallHttp.close();
    }
  });

  it('a lost answer to the last chunk: the file is committed once; the re-send finds it through files.retrieve', async () => {
    await start();
    const { data, job } = await localFile('r6.bin', 200_000);
    const p = client();
    const j = job('/1/r6.bin', 'rename', 100_000);
    const s = await p.create(j, signal);
    await send(p, s, j, data, 0);
    emu.inject({ path: '/chunked/upload', action: { kind: 'commit-then-reset' } });
    expect(classify(await send(p, s, j, data, 1).catch((e: unknown) => e)).kind).toBe('transient');
    // The token is gone with the commit; the client recognises its own file instead of starting over.
    expect(await send(p, s, j, data, 1)).toEqual({ kind: 'complete', result: { path: '/1/r6.bin', size: data.length } });
    expect(await emu.files()).toEqual([{ path: '/1/r6.bin', size: data.length, sha256: sha(data) }]);
  });

  // The computer's clock may be far from the server's: the check compares the server's modifiedAt
  // with the server's own Date at session creation, so neither a clock 400 days ahead (which saw a
  // second copy) nor one 5 hours behind changes the answer.
  it.each([['400 days ahead', 400 * 86_400_000], ['5 hours behind', -5 * 3_600_000]])('a lost last answer is recognised with the computer clock %s of the server', async (_label, skewMs) => {
    await start();
    const { data, job } = await localFile('skew.bin', 200_000);
    const p = client({ skewMs });
    const j = job('/1/skew.bin', 'rename', 100_000);
    const s = await p.create(j, signal);
    await send(p, s, j, data, 0);
    emu.inject({ path: '/chunked/upload', action: { kind: 'commit-then-reset' } });
    expect(classify(await send(p, s, j, data, 1).catch((e: unknown) => e)).kind).toBe('transient');
    expect(await send(p, s, j, data, 1)).toEqual({ kind: 'complete', result: { path: '/1/skew.bin', size: data.length } });
    expect(await emu.files()).toEqual([{ path: '/1/skew.bin', size: data.length, sha256: sha(data) }]);
  });

  it('a file at the target written before the session began is not taken for ours, whatever the computer clock says', async () => {
    await start();
    const { data, job } = await localFile('old.bin', 200_000);
    // An older upload of the same size already sits at the target.
    const first = client();
    const j0 = job('/1/old.bin', 'replace', 200_000);
    const s0 = await first.create(j0, signal);
    await send(first, s0, j0, data, 0);
    clock += 10_000;
    // A client whose clock is far behind (old code: "modified after my start" was true).
    const p = client({ skewMs: -400 * 86_400_000 });
    const j = job('/1/old.bin', 'replace', 100_000);
    const s = await p.create(j, signal);
    await send(p, s, j, data, 0);
    clock += 49 * 3_600_000;
    const again = await send(p, s, j, data, 1).then(unexpected, asFerry);
    expect(again.code).toBe('session-gone');
  });

  it('a gone session whose target holds some other file is still gone (no false completion)', async () => {
    await start();
    const { data, job } = await localFile('r7.bin', 200_000);
    const p = client();
    const j = job('/1/r7.bin', 'rename', 100_000);
    const s = await p.create(j, signal);
    await send(p, s, j, data, 0);
    // The session expires: nothing was committed at the target, so the resend must start over.
    clock += 49 * 3_600_000;
    const again = await send(p, s, j, data, 1).then(unexpected, asFerry);
    expect(again.code).toBe('session-gone');
    expect(await emu.files()).toEqual([]);
  });

  it('a refused connection is a network error; cancel cannot delete and says why', async () => {
    await start();
    proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port) });
    const { job } = await localFile('c.bin', 10);
    const p = client({ viaProxy: true });
    await proxy.setMode({ kind: 'refuse' });
    const refused = await p.create(job('/1/c.bin'), signal).then(unexpected, asFerry);
    expect(refused.code).toBe('network');
    await proxy.setMode({ kind: 'pass' });
    const s = await p.create(job('/1/c.bin'), signal);
    expect(await p.cancel(s, job('/1/c.bin'), signal)).toMatchObject({ deleted: false, why: expect.stringMatching(/no way to delete/) });
  });

  it('uploads to a discard-mode emulator: bytes counted, nothing stored', async () => {
    await start({ discard: true });
    const { data, job } = await localFile('d.bin', MiB + 5);
    const p = client();
    const j = job('/1/d.bin', 'rename', 512 * 1024);
    const s = await p.create(j, signal);
    for (let i = 0; i < 3; i++) await send(p, s, j, data, i);
    expect(await emu.files()).toEqual([{ path: '/1/d.bin', size: data.length, sha256: null }]);
    expect(emu.stats().bytesReceived).toBe(data.length);
    await expect(fsp.stat(join(dir, 'server'))).rejects.toThrow();
  });
});
