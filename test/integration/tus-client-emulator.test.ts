// Our tus client against our emulator for what only the emulator can act out: checksum
// mismatches (460), servers without checksum or termination, a failing OPTIONS, locks (423),
// auth, a relative Location and malformed answers.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { classify } from '../../app/engine/classify.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { createTusProvider } from '../../app/providers/tus/client.js';
import { startTusEmulator, type RunningTusEmulator, type TusEmulatorOptions } from '../../app/emulators/tus/emulator.js';
import type { EmulatorOptions } from '../../app/emulators/kit/emulator-types.js';
import { driveUpload, tusJob } from '../helpers/tus-server.js';
import { systemClock } from '../../app/node/system-clock.js';

const CHUNK = 32 * 1024;
const signal = new AbortController().signal;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(o: Partial<EmulatorOptions> & TusEmulatorOptions & { clientToken?: string; clientOptions?: Record<string, string> } = {}) {
  const dataDir = await fsp.mkdtemp(join(tmpdir(), 'ferry-tus-emu-'));
  const emu: RunningTusEmulator = await startTusEmulator({ dataDir, ...o });
  const http = new UndiciHttp({ idleTimeoutMs: 10_000 });
  cleanups.push(async () => { await http.close(); await emu.close(); await fsp.rm(dataDir, { recursive: true, force: true }); });
  const provider = createTusProvider({ clock: systemClock, endpoint: { url: emu.url, token: o.clientToken ?? emu.token }, http, ...(o.clientOptions ? { options: o.clientOptions } : {}) });
  const stored = (remotePath: string) => fsp.readFile(join(dataDir, 'files', remotePath));
  const patches = () => emu.requests().filter((r) => r.method === 'PATCH');
  return { emu, provider, stored, patches };
}

async function rejected(p: Promise<unknown>): Promise<FerryError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FerryError);
  return e as FerryError;
}

describe('tus client against our emulator', () => {
  it('sends Upload-Checksum sha1 of each chunk when the server offers it', async () => {
    const { provider, stored, patches } = await setup();
    const data = randomBytes(2 * CHUNK + 5);
    await driveUpload(provider, tusJob('/home/u/sum.bin', data.length, '/sum.bin', CHUNK), data);
    const expected = [0, CHUNK, 2 * CHUNK].map((o) => `sha1 ${createHash('sha1').update(data.subarray(o, o + CHUNK)).digest('base64')}`);
    expect(patches().map((r) => r.headers['upload-checksum'])).toEqual(expected);
    expect((await stored('/sum.bin')).equals(data)).toBe(true);
  });

  it("option checksum=off sends no Upload-Checksum even when the server offers it", async () => {
    const { provider, stored, patches } = await setup({ clientOptions: { checksum: 'off' } });
    const data = randomBytes(CHUNK + 3);
    await driveUpload(provider, tusJob('/home/u/fast.bin', data.length, '/fast.bin', CHUNK), data);
    expect(patches().map((r) => r.headers['upload-checksum'])).toEqual([undefined, undefined]);
    expect((await stored('/fast.bin')).equals(data)).toBe(true);
  });

  it('460 checksum mismatch: the chunk is discarded, resent once, and the file completes intact', async () => {
    const { emu, provider, stored, patches } = await setup();
    const data = randomBytes(3 * CHUNK);
    emu.corruptNext(1);
    const { log } = await driveUpload(provider, tusJob('/home/u/flaky.bin', data.length, '/flaky.bin', CHUNK), data);
    expect(log).toEqual([`send 0-${CHUNK} → integrity`, `send 0-${CHUNK} → ${CHUNK}`, `send ${CHUNK}-${2 * CHUNK} → ${2 * CHUNK}`, `send ${2 * CHUNK}-${3 * CHUNK} → ${3 * CHUNK}`]);
    expect(patches().map((r) => r.status)).toEqual([460, 204, 204, 204]);
    expect((await stored('/flaky.bin')).equals(data)).toBe(true);
  });

  it('a second 460 on the same chunk is fatal: integrity, naming the file and the bytes', async () => {
    const { emu, provider } = await setup();
    const data = randomBytes(2 * CHUNK);
    emu.corruptNext(2);
    const err = await rejected(driveUpload(provider, tusJob('/home/u/bad-disk.bin', data.length, '/bad-disk.bin', CHUNK), data));
    expect(err.code).toBe('integrity');
    expect(err.context).toMatchObject({ status: 460, offset: 0 });
    expect(err.message).toContain(`sending bytes 0-${CHUNK} of /home/u/bad-disk.bin`);
    expect(await emu.files()).toEqual([]);
  });

  it('without the checksum extension: no Upload-Checksum, and a cut PATCH keeps its partial bytes', async () => {
    const { emu, provider, stored, patches } = await setup({ disabledExtensions: ['checksum'] });
    const data = randomBytes(2 * CHUNK);
    const job = tusJob('/home/u/plain.bin', data.length, '/plain.bin', CHUNK);
    emu.inject({ method: 'PATCH', action: { kind: 'truncate', bytes: 10_000 } });
    const { log } = await driveUpload(provider, job, data);
    expect(log).toEqual([`send 0-${CHUNK} → network`, 'status → 10000', `send 10000-${10_000 + CHUNK} → ${10_000 + CHUNK}`, `send ${10_000 + CHUNK}-${2 * CHUNK} → ${2 * CHUNK}`]);
    expect(patches().every((r) => r.headers['upload-checksum'] === undefined)).toBe(true);
    expect((await stored('/plain.bin')).equals(data)).toBe(true);
  });

  it('tolerates a server whose OPTIONS fails: uploads without checksums, and cancel still tries DELETE', async () => {
    const { emu, provider, stored, patches } = await setup();
    emu.inject({ method: 'OPTIONS', times: 5, action: { kind: 'respond', status: 405 } });
    const data = randomBytes(CHUNK + 1);
    await driveUpload(provider, tusJob('/home/u/no-options.bin', data.length, '/no-options.bin', CHUNK), data);
    expect((await stored('/no-options.bin')).equals(data)).toBe(true);
    expect(patches().every((r) => r.headers['upload-checksum'] === undefined)).toBe(true);
    const job = tusJob('/home/u/drop.bin', 10, '/drop.bin', CHUNK);
    const session = await provider.create(job, signal);
    expect(await provider.cancel(session, job, signal)).toEqual({ deleted: true });
    // OPTIONS is asked once per provider instance, not per call.
    expect(emu.requests().filter((r) => r.method === 'OPTIONS')).toHaveLength(1);
  });

  it('cancel on a server without termination reports why and sends nothing to the upload URL', async () => {
    const { emu, provider } = await setup({ disabledExtensions: ['termination'] });
    const job = tusJob('/home/u/keep.bin', 10, '/keep.bin', CHUNK);
    const session = await provider.create(job, signal);
    const before = emu.requests().length;
    const out = await provider.cancel(session, job, signal);
    expect(out).toEqual({ deleted: false, why: expect.stringContaining('does not offer termination') });
    expect(emu.requests().length).toBe(before);
  });

  it('423 locked is transient: the engine asks HEAD and carries on', async () => {
    const { emu, provider, stored } = await setup();
    emu.inject({ method: 'PATCH', action: { kind: 'respond', status: 423 } });
    const data = randomBytes(CHUNK + 7);
    const job = tusJob('/home/u/locked.bin', data.length, '/locked.bin', CHUNK);
    const session = await provider.create(job, signal);
    const err = await rejected(provider.sendChunk(session, job, { index: 0, offset: 0, data: data.subarray(0, CHUNK), final: false }, { signal }));
    expect(classify(err)).toEqual({ kind: 'transient' });
    await driveUpload(provider, job, data, { session });
    expect((await stored('/locked.bin')).equals(data)).toBe(true);
  });

  it('a wrong token is an auth error that never shows the token', async () => {
    const { emu, provider } = await setup({ token: 'right-token', clientToken: 'wrong-secret-token' });
    const err = await rejected(provider.create(tusJob('/home/u/a.bin', 5, '/a.bin', CHUNK), signal));
    expect(err.code).toBe('auth');
    expect(err.message).toContain('/home/u/a.bin');
    expect(JSON.stringify({ m: err.message, c: err.context })).not.toContain('wrong-secret-token');
    expect(emu.stats().sessionsCreated).toBe(0);
  });

  it('resolves a relative Location against the endpoint', async () => {
    const { emu, provider, stored } = await setup({ relativeLocation: true });
    const data = randomBytes(100);
    const { session } = await driveUpload(provider, tusJob('/home/u/rel.bin', 100, '/rel/x.bin', CHUNK), data);
    expect((session.ref as { url: string }).url).toMatch(new RegExp(`^${emu.url}[0-9a-f]{32}$`));
    expect((await stored('/rel/x.bin')).equals(data)).toBe(true);
  });

  it('HEAD 403 from an auth layer is an auth error, not a lost upload to restart from zero', async () => {
    const { emu, provider } = await setup();
    const job = tusJob('/home/u/h.bin', 10, '/h.bin', CHUNK);
    const session = await provider.create(job, signal);
    emu.inject({ method: 'HEAD', action: { kind: 'respond', status: 403 } });
    expect((await rejected(provider.status(session, job, signal))).code).toBe('auth');
  });

  it('a HEAD without Upload-Offset, or a PATCH answer claiming bytes never sent, is a protocol error', async () => {
    const { emu, provider } = await setup();
    const job = tusJob('/home/u/odd.bin', 100, '/odd.bin', CHUNK);
    const session = await provider.create(job, signal);
    emu.inject({ method: 'HEAD', action: { kind: 'respond', status: 200, headers: { 'tus-resumable': '1.0.0' } } });
    const headErr = await rejected(provider.status(session, job, signal));
    expect(headErr.code).toBe('protocol');
    expect(headErr.message).toContain('Upload-Offset');
    emu.inject({ method: 'PATCH', action: { kind: 'respond', status: 204, headers: { 'upload-offset': '500' } } });
    const patchErr = await rejected(provider.sendChunk(session, job, { index: 0, offset: 0, data: Buffer.alloc(50), final: false }, { signal }));
    expect(patchErr.code).toBe('protocol');
  });

  it('status reports a complete upload when the last answer was lost', async () => {
    const { emu, provider, stored } = await setup();
    const data = randomBytes(CHUNK);
    const job = tusJob('/home/u/lost.bin', data.length, '/lost.bin', CHUNK);
    const session = await provider.create(job, signal);
    emu.inject({ method: 'PATCH', action: { kind: 'commit-then-reset' } });
    expect((await rejected(provider.sendChunk(session, job, { index: 0, offset: 0, data, final: true }, { signal }))).code).toBe('network');
    expect(await provider.status(session, job, signal)).toEqual({ kind: 'complete', result: { path: '/lost.bin', size: CHUNK } });
    expect((await stored('/lost.bin')).equals(data)).toBe(true);
  });

  it('a saved session whose upload was made for another file size is session-gone', async () => {
    const { provider } = await setup();
    const session = await provider.create(tusJob('/home/u/v1.bin', 100, '/v.bin', CHUNK), signal);
    const err = await rejected(provider.status(session, tusJob('/home/u/v1.bin', 120, '/v.bin', CHUNK), signal));
    expect(err.code).toBe('session-gone');
    expect(err.message).toMatch(/created for 100 bytes but the file now has 120/);
  });

  it('Upload-Expires from PATCH answers moves the session deadline forward (activity-based expiry)', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const { provider } = await setup({ now: () => clock, expirationMs: 3_600_000, expiryBasis: 'activity' });
    const data = randomBytes(2 * CHUNK);
    const job = tusJob('/home/u/slow.bin', data.length, '/slow.bin', CHUNK);
    const session = await provider.create(job, signal);
    expect(session.expiresAt).toBe(Date.parse('2030-01-01T01:00:00Z'));
    clock += 600_000;
    await provider.sendChunk(session, job, { index: 0, offset: 0, data: data.subarray(0, CHUNK), final: false }, { signal });
    expect(session.expiresAt).toBe(Date.parse('2030-01-01T01:10:00Z'));
  });

  it('an emulator restarted without its sessions answers 404: session-gone, and a new upload starts from 0', async () => {
    const dataDir = await fsp.mkdtemp(join(tmpdir(), 'ferry-tus-restart-'));
    const http = new UndiciHttp({ idleTimeoutMs: 10_000 });
    let emu = await startTusEmulator({ dataDir, token: 't' });
    cleanups.push(async () => { await http.close(); await emu.close(); await fsp.rm(dataDir, { recursive: true, force: true }); });
    const port = Number(new URL(emu.url).port);
    const provider = createTusProvider({ clock: systemClock, endpoint: { url: emu.url, token: 't' }, http });
    const data = randomBytes(2 * CHUNK);
    const job = tusJob('/home/u/restart.bin', data.length, '/restart.bin', CHUNK);
    const old = await provider.create(job, signal);
    await provider.sendChunk(old, job, { index: 0, offset: 0, data: data.subarray(0, CHUNK), final: false }, { signal });
    await emu.close();
    emu = await startTusEmulator({ dataDir, token: 't', port });
    // The pooled connection to the old process may fail first ('network', transient), as after any restart.
    let err = await rejected(provider.status(old, job, signal));
    for (let i = 0; i < 2 && err.code === 'network'; i++) err = await rejected(provider.status(old, job, signal));
    expect(err).toMatchObject({ code: 'session-gone', context: { status: 404 } });
    const { session, log } = await driveUpload(provider, job, data);
    expect(session.ref).not.toEqual(old.ref);
    expect(log[0]).toBe(`send 0-${CHUNK} → ${CHUNK}`);
    expect((await fsp.readFile(join(dataDir, 'files', 'restart.bin'))).equals(data)).toBe(true);
  });
});
