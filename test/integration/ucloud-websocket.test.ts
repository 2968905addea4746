// UCloud's WEBSOCKET_V2 upload (what current im2 modules answer to files.createUpload): the
// client (ws + bufferutil) against the emulator's socket, directly and under the engine, with
// the fault proxy where the connection has to drop. Facts: app/providers/ucloud/README.md.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'undici';
import WsClient from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import { classify } from '../../app/engine/classify.js';
import type { Provider, Session, UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { startUcloudEmulator, type UcloudEmulatorOptions } from '../../app/emulators/ucloud/emulator.js';
import { createUcloudProvider } from '../../app/providers/ucloud/client.js';
import { chunkHead, decodeFrame, encodeClose, encodeListings, type WsMessage } from '../../app/providers/ucloud/ws-wire.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { CASES } from '../helpers/provider-cases.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';

const MiB = 1 << 20;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const asFerry = (e: unknown): FerryError => {
  expect(e).toBeInstanceOf(FerryError);
  return e as FerryError;
};
const unexpected = (): never => { throw new Error('expected a failure, the call succeeded'); };

describe('UCloud WEBSOCKET_V2: client ↔ emulator', () => {
  let dir: string;
  let emu: RunningEmulator;
  let proxy: FaultProxy | undefined;
  let http: UndiciHttp;

  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-ucloud-ws-'));
    http = new UndiciHttp({ idleTimeoutMs: 5_000 });
  });
  afterEach(async () => {
    await http.close();
    await proxy?.close();
    proxy = undefined;
    await emu.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  const start = async (o: UcloudEmulatorOptions = {}): Promise<void> => {
    emu = await startUcloudEmulator({ dataDir: join(dir, 'server'), idleTimeoutMs: 5_000, ...o });
  };
  const client = (o: { viaProxy?: boolean; options?: Record<string, string> } = {}): Provider =>
    createUcloudProvider({ clock: systemClock, endpoint: { url: o.viaProxy ? proxy!.url : emu.url, token: emu.token }, http, ...(o.options ? { options: o.options } : {}) });
  const localFile = async (name: string, size: number): Promise<{ job: (remotePath: string, conflict?: ConflictPolicy) => UploadJob; data: Buffer }> => {
    const data = randomBytes(size);
    const path = join(dir, name);
    await fsp.writeFile(path, data);
    return { data, job: (remotePath, conflict = 'rename') => ({ file: { path, name, size, mtimeMs: 1_700_000_000_000 }, target: { remotePath, conflict }, chunkSize: 256 * 1024, digests: {} }) };
  };
  const signal = new AbortController().signal;
  const send = (p: Provider, s: Session, job: UploadJob, data: Buffer, index: number, onSent?: (n: number) => void, sig = signal): Promise<unknown> => {
    const offset = index * s.chunkSize;
    const end = Math.min(data.length, offset + s.chunkSize);
    return p.sendChunk(s, job, { index, offset, data: data.subarray(offset, end), final: end === data.length }, { signal: sig, ...(onSent ? { onSent } : {}) });
  };
  const createRaw = async (supportedProtocols: string[], path = '/1/x.bin'): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${emu.url}/api/files/upload`, { method: 'POST', headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ id: path, type: 'FILE', supportedProtocols, conflictPolicy: 'RENAME' }] }) });
    return { status: res.status, body: await res.json() };
  };

  it('the emulator answers WEBSOCKET_V2 by default and CHUNKED when asked to, from what the client offers', async () => {
    await start();
    const ws = await createRaw(['CHUNKED', 'WEBSOCKET_V2']);
    expect(ws.status).toBe(200);
    expect(ws.body.responses[0].protocol).toBe('WEBSOCKET_V2');
    expect(ws.body.responses[0].endpoint).toBe(`${emu.url.replace('http', 'ws')}/ucloud/emulator/upload?token=${ws.body.responses[0].token}`);
    expect((await createRaw(['CHUNKED'])).status).toBe(400);
    await emu.close();
    await start({ protocol: 'CHUNKED' });
    expect((await createRaw(['CHUNKED', 'WEBSOCKET_V2'])).body.responses[0].protocol).toBe('CHUNKED');
    await emu.close();
    await start({ offers: ['CHUNKED', 'WEBSOCKET_V2'] });
    expect((await createRaw(['WEBSOCKET_V2'])).body.responses[0].protocol).toBe('WEBSOCKET_V2');
  });

  it('uploads over the socket in order, reports progress, and ends byte-identical with the token forgotten', async () => {
    await start();
    const { data, job } = await localFile('big.iso', Math.round(2.5 * MiB));
    const p = client();
    const j = job('/1/isos/big.iso');
    const s = await p.create(j, signal);
    expect(s.ref).toMatchObject({ protocol: 'WEBSOCKET_V2' });
    expect(JSON.stringify(s.ref)).not.toMatch(/token=/);
    const sentEvents: number[] = [];
    const n = Math.ceil(data.length / s.chunkSize);
    for (let i = 0; i < n - 1; i++) {
      expect(await send(p, s, j, data, i, (b) => sentEvents.push(b))).toBeUndefined();
      expect(await p.status(s, j, signal)).toEqual({ kind: 'offset', offset: (i + 1) * s.chunkSize });
    }
    expect(await send(p, s, j, data, n - 1)).toEqual({ kind: 'complete', result: { path: '/1/isos/big.iso', size: data.length } });
    expect(sentEvents.at(-1)).toBe(s.chunkSize);
    expect(await p.finish(s, { ...j, completed: { path: '/1/isos/big.iso', size: data.length } }, {}, signal)).toEqual({ path: '/1/isos/big.iso', size: data.length });
    expect(await emu.files()).toEqual([{ path: '/1/isos/big.iso', size: data.length, sha256: sha(data) }]);
    // The client sent Close: the server forgot the token, and a new socket with it is hung up on.
    const token = (s.ref as { token: string }).token;
    const closed = await new Promise<boolean>((resolve) => {
      const w = new WebSocket(`${emu.url.replace('http', 'ws')}/ucloud/emulator/upload?token=${token}`);
      w.addEventListener('close', () => resolve(true));
      setTimeout(() => resolve(false), 3000);
    });
    expect(closed).toBe(true);
  });

  it('the emulator reads a Chunk message sent as fragments, however many, with a ping between them, as im2 does', async () => {
    // im2 reads with gorilla/websocket's ReadMessage, which joins continuation frames into one
    // message (control frames may come between them) and sets no read limit (README).
    await start();
    const r = (await createRaw(['WEBSOCKET_V2'], '/1/frag.bin')).body.responses[0] as { endpoint: string };
    const data = randomBytes(300_000);
    const w = new WsClient(r.endpoint, { perMessageDeflate: false });
    const got: WsMessage[] = [];
    const next = (type: WsMessage['type']): Promise<void> => new Promise((resolve, reject) => {
      const look = (): void => { if (got.some((m) => m.type === type)) resolve(); else setTimeout(look, 10); };
      w.once('close', () => reject(new Error(`socket closed before ${type}`)));
      look();
    });
    w.on('message', (b: Buffer, binary: boolean) => { if (binary) got.push(...decodeFrame(b).messages); });
    await new Promise((resolve, reject) => { w.once('open', resolve); w.once('error', reject); });
    w.send(encodeListings([{ fileId: 0, size: data.length, modifiedAt: 1_700_000_000_000, path: '' }]));
    await next('ok');
    w.send(chunkHead(0), { fin: false });
    w.send(data.subarray(0, 100_000), { fin: false });
    w.ping();
    // gorilla counts no fragments (ws's server would stop at 16,384 by default).
    for (let at = 100_000; at < 120_000; at++) w.send(data.subarray(at, at + 1), { fin: false });
    w.send(data.subarray(120_000), { fin: true });
    await next('completed');
    w.send(encodeClose());
    await new Promise((resolve) => w.once('close', resolve));
    expect(await emu.files()).toEqual([{ path: '/1/frag.bin', size: data.length, sha256: sha(data) }]);
  });

  it('a dropped socket is transient; the file restarts from byte 0 on the same token and ends byte-identical', async () => {
    await start();
    proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port) });
    const { data, job } = await localFile('drop.bin', 2 * MiB);
    const p = client({ viaProxy: true });
    const j = job('/1/drop.bin');
    const s = await p.create(j, signal);
    for (let i = 0; i < 4; i++) await send(p, s, j, data, i);
    // Sent = handed to the kernel; a reset discards what the server has not read yet, so let it read.
    for (let t = 0; emu.stats().bytesReceived < 4 * s.chunkSize && t < 100; t++) await new Promise((r) => setTimeout(r, 20));
    await proxy.setMode({ kind: 'reset_after', bytes: 100_000 });
    const dropped = await (async () => { for (let i = 4; i < 8; i++) await send(p, s, j, data, i); })().then(unexpected, asFerry);
    expect(['network', 'stalled']).toContain(dropped.code);
    expect(classify(dropped).kind).toBe('transient');
    expect(dropped.message + JSON.stringify(dropped.context)).not.toContain((s.ref as { token: string }).token);
    // im2 writes in place: the target holds what arrived, until the file is sent again.
    await new Promise((r) => setTimeout(r, 200));
    const partial = (await emu.files()).find((f) => f.path === '/1/drop.bin');
    expect(partial!.size).toBeLessThan(data.length);
    // No offset survives the connection: the client says so, and a resend at the old offset is refused.
    expect(await p.status(s, j, signal)).toEqual({ kind: 'offset', offset: 0 });
    const mismatch = await send(p, s, j, data, 5).then(unexpected, asFerry);
    expect(classify(mismatch).kind).toBe('reconcile');
    const n = Math.ceil(data.length / s.chunkSize);
    for (let i = 0; i < n; i++) await send(p, s, j, data, i);
    expect(await emu.files()).toEqual([{ path: '/1/drop.bin', size: data.length, sha256: sha(data) }]);
    expect(emu.stats().sessionsCreated).toBe(1);
  });

  it('a file the target already holds (same size, same time) is skipped without sending a byte', async () => {
    await start();
    const { data, job } = await localFile('same.bin', 600_000);
    const p = client();
    const first = job('/1/same.bin', 'replace');
    const s1 = await p.create(first, signal);
    for (let i = 0; i < 3; i++) await send(p, s1, first, data, i);
    const before = emu.stats().bytesReceived;
    const s2 = await p.create(first, signal);
    expect(await send(p, s2, first, data, 0)).toEqual({ kind: 'complete', result: { path: '/1/same.bin', size: data.length } });
    expect(emu.stats().bytesReceived - before).toBeLessThan(1000);
  });

  it('an empty file is listed and completed in finish', async () => {
    await start();
    const { job } = await localFile('empty.txt', 0);
    const p = client();
    const j = job('/1/empty.txt');
    const s = await p.create(j, signal);
    await p.sendChunk(s, j, { index: 0, offset: 0, data: Buffer.alloc(0), final: true }, { signal });
    expect(await p.finish(s, j, {}, signal)).toEqual({ path: '/1/empty.txt', size: 0 });
    expect(await emu.files()).toEqual([{ path: '/1/empty.txt', size: 0, sha256: sha(Buffer.alloc(0)) }]);
  });

  it('an aborted send stops at once and leaves no socket behind', async () => {
    await start();
    proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port) });
    const { data, job } = await localFile('slow.bin', 32 * MiB);
    const p = client({ viaProxy: true });
    const j = { ...job('/1/slow.bin'), chunkSize: 16 * MiB };
    const s = await p.create(j, signal);
    await send(p, s, j, data.subarray(0, 16 * MiB + 1), 0);
    // The proxy stops carrying bytes: the socket's buffer fills and the send waits.
    await proxy.setMode({ kind: 'blackhole_after', bytes: 0 });
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(new FerryError('cancelled', 'stopped by the test')), 300);
    const e = await send(p, s, j, data, 1, undefined, ac.signal).then(unexpected, (err: unknown) => err);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((e as FerryError).code).toBe('cancelled');
    expect(await p.status(s, j, signal)).toEqual({ kind: 'offset', offset: 0 });
  });

  it('a chunk is reported as it leaves, in steps, and a socket that takes nothing more for socketIdleMs is stalled', async () => {
    await start();
    proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port) });
    const { data, job } = await localFile('stall.bin', 24 * MiB);
    const p = client({ viaProxy: true, options: { socketIdleMs: '1500' } });
    const j = { ...job('/1/stall.bin'), chunkSize: 12 * MiB };
    const s = await p.create(j, signal);
    const steps: number[] = [];
    await send(p, s, j, data, 0, (n) => steps.push(n));
    // Progress comes as the chunk drains, not once at its end; it only grows and ends at the chunk.
    expect(steps.length).toBeGreaterThan(2);
    expect(steps.filter((n) => n < 12 * MiB).length).toBeGreaterThan(0);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps.at(-1)).toBe(12 * MiB);
    // The path stops carrying bytes mid-chunk: once the socket's buffers are full nothing moves.
    await proxy.setMode({ kind: 'blackhole_after', bytes: 0 });
    const t0 = Date.now();
    const e = await send(p, s, j, data, 1).then(unexpected, asFerry);
    expect(e.code).toBe('stalled');
    expect(classify(e).kind).toBe('transient');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(e.message + JSON.stringify(e.context)).not.toContain((s.ref as { token: string }).token);
    expect(await p.status(s, j, signal)).toEqual({ kind: 'offset', offset: 0 });
  }, 30_000);

  it('on a slow path the client runs at most one chunk ahead of what the server has read', async () => {
    // Nothing acknowledges a chunk; im2 answers a text "ping" in turn with the messages before it.
    // The engine checks the file before each chunk: it must not be able to race to the last one
    // (after which the server completes the file) while the path still holds most of the file.
    await start();
    proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port) });
    const { data, job } = await localFile('slowpath.bin', 6 * 128 * 1024);
    const p = client({ viaProxy: true });
    const j = { ...job('/1/slowpath.bin'), chunkSize: 128 * 1024 };
    const s = await p.create(j, signal);
    await proxy.setMode({ kind: 'bandwidth', bytesPerSec: 512 * 1024 });
    for (let i = 0; i < 5; i++) {
      await send(p, s, j, data, i);
      // Chunk i is on its way; chunk i - 1 must be with the server (+ the listing's few bytes).
      expect(emu.stats().bytesReceived).toBeGreaterThanOrEqual(i * s.chunkSize);
    }
    await proxy.setMode({ kind: 'pass' });
    await send(p, s, j, data, 5);
    expect(await emu.files()).toEqual([{ path: '/1/slowpath.bin', size: data.length, sha256: sha(data) }]);
  }, 30_000);

  it('an unknown token: the server hangs up without a word; twice in a row is a gone session', async () => {
    await start();
    const { data, job } = await localFile('x.bin', 1000);
    const p = client();
    const j = job('/1/x.bin');
    const s = await p.create(j, signal);
    const forged: Session = { ...s, ref: { ...(s.ref as object), token: 'not-a-real-token-secret' } };
    const once = await send(p, forged, j, data, 0).then(unexpected, asFerry);
    expect(classify(once).kind).toBe('transient');
    const twice = await send(p, forged, j, data, 0).then(unexpected, asFerry);
    expect(twice.code).toBe('session-gone');
    expect(twice.message + JSON.stringify(twice.context)).not.toContain('not-a-real-token-secret');
  });

  it('conflict "fail": im2 would overwrite, so the client refuses an existing target itself', async () => {
    await start();
    const { data, job } = await localFile('keep.bin', 1000);
    const p = client();
    const j = job('/1/keep.bin', 'fail');
    const s = await p.create(j, signal);
    await send(p, s, j, data, 0);
    const e = await p.create(j, signal).then(unexpected, asFerry);
    expect(e.code).toBe('name-conflict');
  });

  it('UCloud answers the emulator gives: non-drive path 403, expired token 403 → auth, full drive 402 → quota', async () => {
    let now = Date.now();
    await start({ tokenExpiresAt: now + 60_000, now: () => now } as UcloudEmulatorOptions);
    const noDrive = await createRaw(['WEBSOCKET_V2'], '/home/x.bin');
    expect(noDrive).toMatchObject({ status: 403, body: { why: 'write permission is required' } });
    const { job } = await localFile('q.bin', 10);
    now += 61_000;
    const expired = await client().create(job('/1/q.bin'), signal).then(unexpected, asFerry);
    expect([expired.code, classify(expired).kind]).toEqual(['auth', 'auth']);
    expect(expired.message).toMatch(/Token has expired/);
    await emu.close();
    await start({ quotaExceeded: true });
    const full = await client().create(job('/1/q.bin'), signal).then(unexpected, asFerry);
    expect(full.code).toBe('quota');
    expect(full.message).toMatch(/Insufficient funds/);
  });

  it('the account option drive puts drive-less paths inside that drive', async () => {
    await start();
    const { data, job } = await localFile('d.bin', 1000);
    const p = client({ options: { drive: '42' } });
    const j = job('/Footage/d.bin');
    const s = await p.create(j, signal);
    expect(await send(p, s, j, data, 0)).toEqual({ kind: 'complete', result: { path: '/42/Footage/d.bin', size: 1000 } });
    expect((await emu.files()).map((f) => f.path)).toEqual(['/42/Footage/d.bin']);
  });
});

describe('UCloud WEBSOCKET_V2 under the engine', () => {
  let h: Rig | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a socket reset mid-file: the engine retries, the file restarts from 0 on the same session, and ends byte-identical', async () => {
    const c = CASES.find((x) => x.id === 'ucloud')!;
    h = await startRig({ ...c, emulator: { ...c.emulator, protocol: 'WEBSOCKET_V2' } }, { proxy: true });
    const local = await h.makeFile('ws.bin', 3 * MiB);
    await h.proxy!.setMode({ kind: 'reset_after', bytes: 2 * MiB });
    const v = await h.upload(local);
    expect(v.state).toMatchObject({ kind: 'done' });
    expect(await h.stored(local)).toBeDefined();
    expect(h.stats().sessionsCreated).toBe(1);
    // What a resume costs with this protocol: the bytes before the reset are sent again.
    expect(h.stats().bytesReceived).toBeGreaterThan(3 * MiB + MiB);
  }, 60_000);
});
