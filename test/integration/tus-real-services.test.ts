// Our tus client against the emulator acting out what real servers do: an auth layer that
// answers 403 (on HEAD too, as @tus/server's onIncomingRequest does), a full disk as tusd and
// @tus/server report it, endpoint spellings, and remote paths that would climb out of a folder.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { classify } from '../../app/engine/classify.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';
import { createTusProvider } from '../../app/providers/tus/client.js';
import { startTusEmulator, type RunningTusEmulator, type TusEmulatorOptions } from '../../app/emulators/tus/emulator.js';
import type { EmulatorOptions } from '../../app/emulators/kit/emulator-types.js';
import { driveUpload, tusJob } from '../helpers/tus-server.js';

const CHUNK = 32 * 1024;
const signal = new AbortController().signal;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(o: Partial<EmulatorOptions> & TusEmulatorOptions & { clientUrl?: (emu: RunningTusEmulator) => string } = {}) {
  const dataDir = await fsp.mkdtemp(join(tmpdir(), 'ferry-tus-real-'));
  const emu = await startTusEmulator({ dataDir, ...o });
  const http = new UndiciHttp({ idleTimeoutMs: 10_000 });
  cleanups.push(async () => { await http.close(); await emu.close(); await fsp.rm(dataDir, { recursive: true, force: true }); });
  const client = (token: string) => createTusProvider({ clock: systemClock, endpoint: { url: o.clientUrl?.(emu) ?? emu.url, token }, http });
  return { emu, provider: client(emu.token), client, stored: (p: string) => fsp.readFile(join(dataDir, 'files', p)) };
}

async function rejected(p: Promise<unknown>): Promise<FerryError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FerryError);
  return e as FerryError;
}

describe('tus: an auth layer answering 403', () => {
  it('the emulator answers a bad token with 403 Access denied on HEAD, PATCH and POST when asked to', async () => {
    const { emu } = await setup({ authFailureStatus: 403 });
    for (const method of ['POST', 'HEAD', 'PATCH']) {
      const res = await fetch(method === 'POST' ? emu.url : `${emu.url}abc`, { method, headers: { 'tus-resumable': '1.0.0', authorization: 'Bearer wrong', 'upload-length': '1' } });
      expect([method, res.status]).toEqual([method, 403]);
    }
  });

  it('HEAD 403 for a token that stopped working is auth: reported, not a new upload from zero', async () => {
    const { provider, client, emu } = await setup({ authFailureStatus: 403 });
    const job = tusJob('/home/u/a.bin', 3 * CHUNK, '/a.bin', CHUNK);
    const session = await provider.create(job, signal);
    const err = await rejected(client('revoked-token').status(session, job, signal));
    expect(err.code).toBe('auth');
    expect(classify(err).kind).toBe('auth');
    expect(err.context).toMatchObject({ method: 'HEAD', status: 403 });
    expect(JSON.stringify({ m: err.message, c: err.context })).not.toContain('revoked-token');
    expect(emu.stats().sessionsCreated).toBe(1);
  });

  it('a server that means "gone" by HEAD 403 (the spec allows it) can say so with head403=session-gone', async () => {
    const { emu } = await setup();
    const http = new UndiciHttp({ idleTimeoutMs: 10_000 });
    cleanups.push(() => http.close());
    const p = createTusProvider({ clock: systemClock, endpoint: { url: emu.url, token: emu.token }, http, options: { head403: 'session-gone' } });
    const job = tusJob('/home/u/g.bin', 10, '/g.bin', CHUNK);
    const session = await p.create(job, signal);
    emu.inject({ method: 'HEAD', action: { kind: 'respond', status: 403 } });
    expect((await rejected(p.status(session, job, signal))).code).toBe('session-gone');
    expect(() => createTusProvider({ clock: systemClock, endpoint: { url: emu.url, token: '' }, http, options: { head403: 'maybe' } })).toThrow(expect.objectContaining({ code: 'bad-input' }));
  });

  it('POST 403 (a pre-create hook refusing the user) is auth too', async () => {
    const { client, emu } = await setup({ authFailureStatus: 403 });
    const err = await rejected(client('nope').create(tusJob('/home/u/b.bin', 5, '/b.bin', CHUNK), signal));
    expect(err).toMatchObject({ code: 'auth', context: { method: 'POST', status: 403 } });
    expect(emu.stats().sessionsCreated).toBe(0);
  });
});

describe('tus: a full disk', () => {
  it('tusd: 500 "…: no space left on device" is quota, the body is not kept, the upload stays where it was', async () => {
    const { provider, emu } = await setup({ diskBytes: CHUNK + 10 });
    const data = randomBytes(3 * CHUNK);
    const job = tusJob('/home/u/full.bin', data.length, '/full.bin', CHUNK);
    const session = await provider.create(job, signal);
    expect(await provider.sendChunk(session, job, { index: 0, offset: 0, data: data.subarray(0, CHUNK), final: false }, { signal })).toEqual({ kind: 'offset', offset: CHUNK });
    const err = await rejected(provider.sendChunk(session, job, { index: 1, offset: CHUNK, data: data.subarray(CHUNK, 2 * CHUNK), final: false }, { signal }));
    expect(err).toMatchObject({ code: 'quota', context: { method: 'PATCH', status: 500, offset: CHUNK } });
    expect(err.message).toContain('no space left on device');
    expect(classify(err).kind).toBe('permanent');
    expect(await provider.status(session, job, signal)).toEqual({ kind: 'offset', offset: CHUNK });
    expect(emu.requests().filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([204, 500]);
  });

  it('a 507 (insufficient-storage) is quota', async () => {
    const { provider } = await setup({ diskBytes: 10, diskFullAnswer: 'insufficient-storage' });
    const data = randomBytes(100);
    const job = tusJob('/home/u/f.bin', data.length, '/f.bin', CHUNK);
    const err = await rejected(driveUpload(provider, job, data));
    expect(err).toMatchObject({ code: 'quota', context: { status: 507 } });
  });

  it('@tus/server hides the cause behind a generic 500: a server error, as Ferry cannot tell', async () => {
    const { provider } = await setup({ diskBytes: 10, diskFullAnswer: 'tus-node-server' });
    const job = tusJob('/home/u/g.bin', 100, '/g.bin', CHUNK);
    const session = await provider.create(job, signal);
    const err = await rejected(provider.sendChunk(session, job, { index: 0, offset: 0, data: randomBytes(100), final: true }, { signal }));
    expect(err).toMatchObject({ code: 'server-error', context: { status: 500 } });
    expect(err.message).toContain('Something went wrong receiving the file');
  });
});

describe('tus: endpoint spellings', () => {
  it.each([
    ['with the trailing slash', (e: RunningTusEmulator) => e.url],
    ['without it', (e: RunningTusEmulator) => e.url.slice(0, -1)],
    ['with two', (e: RunningTusEmulator) => `${e.url}/`],
    ['with spaces and a fragment', (e: RunningTusEmulator) => ` ${e.url}#x `],
  ])('%s, the upload lands and its URL is under the creation endpoint', async (_name, url) => {
    const { emu, provider, stored } = await setup({ clientUrl: url });
    const data = randomBytes(CHUNK + 1);
    const { session } = await driveUpload(provider, tusJob('/home/u/s.bin', data.length, '/s.bin', CHUNK), data);
    expect((session.ref as { url: string }).url.startsWith(emu.url)).toBe(true);
    expect((await stored('/s.bin')).equals(data)).toBe(true);
  });
});

describe('tus: remote paths with . or .. segments', () => {
  it.each(['/a/../../etc/x.bin', '/..', '/a/./b.bin', '/a/b/..', '/a/..\\..\\evil.bin'])('%s is bad-input naming the path, before any request', async (remote) => {
    const { provider, emu } = await setup();
    const err = await rejected(provider.create(tusJob('/home/u/x.bin', 5, remote, CHUNK), signal));
    expect(err.code).toBe('bad-input');
    expect(err.message).toContain(`"${remote}"`);
    expect(emu.requests()).toEqual([]);
  });
});
