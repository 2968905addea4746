// Fidelity: Microsoft's own Graph JS client (@microsoft/microsoft-graph-client 3,
// OneDriveLargeFileUploadTask, LargeFileUploadTask) against the OneDrive emulator: upload, resume
// after a forced 500, cancel, other drives (/drives/{id}, /sites/{id}/drive), the explicit commit
// after a name conflict, over https (customHosts) and over plain http (the SDK mangles http upload URLs into
// `/v1.0/http://host/up/ID`). If the library fails here, the emulator is wrong until shown otherwise.
//
// Why a child process: the SDK uses Node's global fetch. Passing an undici 7 Agent with our CA as
// `fetchOptions.dispatcher` works for JSON calls, but Node 20's bundled fetch then hands the
// fragment PUT's Content-Length to undici 7 twice and the request is refused before it leaves.
// NODE_EXTRA_CA_CERTS is read only at start-up, so the SDK runs in a child started with it
// pointing at the emulator's certificate: the SDK's real transport, trusting exactly that cert.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { Agent, request } from 'undici';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHasher } from '../../app/node/hashers.js';
import { startOnedriveEmulator, type OnedriveEmulatorOptions, type RunningOnedriveEmulator } from '../../app/emulators/onedrive/emulator.js';
import { DEFAULT_DRIVE_ID, DEFAULT_SITE_ID } from '../../app/emulators/onedrive/emulator-options.js';

const K320 = 327_680;
const SIZE = 3 * K320 + 4_321;

/** Runs in the child: one scenario, one JSON line on stdout. */
const CHILD = `
import { readFileSync } from 'node:fs';
import { Client, FileUpload, LargeFileUploadTask, OneDriveLargeFileUploadTask } from '@microsoft/microsoft-graph-client';
const cfg = JSON.parse(process.argv[1]);
const client = Client.init({
  authProvider: (done) => done(null, cfg.token),
  baseUrl: cfg.base,
  defaultVersion: 'v1.0',
  ...(cfg.https ? { customHosts: new Set(['127.0.0.1']) } : {}),
});
const data = new Uint8Array(readFileSync(cfg.file));
const out = {};
try {
  const task = cfg.mode === 'drive' || cfg.mode === 'commit' ? undefined : await OneDriveLargeFileUploadTask.create(client, data, { fileName: cfg.name, path: cfg.folder, rangeSize: cfg.rangeSize });
  if (cfg.mode === 'drive') {
    // Any drive (SharePoint, /drives/{id}): the generic task with a session made at the caller's URL.
    const session = await LargeFileUploadTask.createUploadSession(client, cfg.sessionUrl, { item: { '@microsoft.graph.conflictBehavior': 'rename', name: cfg.name } });
    const generic = new LargeFileUploadTask(client, new FileUpload(data, cfg.name, data.byteLength), session, { rangeSize: cfg.rangeSize });
    const result = await generic.upload();
    out.responseBody = result.responseBody;
  } else if (cfg.mode === 'commit') {
    // After a name conflict on the last fragment: the SDK's own explicit commit of the kept session.
    const kept = new OneDriveLargeFileUploadTask(client, new FileUpload(data, cfg.name, data.byteLength), { url: cfg.uploadUrl, expiry: new Date(Date.now() + 3600e3) }, { rangeSize: cfg.rangeSize });
    out.responseBody = await kept.commit(cfg.commitUrl, 'rename');
  } else if (cfg.mode === 'cancel') {
    try { await task.upload(); } catch (e) { out.firstError = e; }
    const res = await task.cancel();
    out.cancelStatus = res.status;
    out.cancelled = task.uploadSession.isCancelled === true;
  } else {
    let result;
    try { result = await task.upload(); } catch (e) {
      if (cfg.mode !== 'resume') throw e;
      out.firstError = e;
      result = await task.resume();
    }
    out.responseBody = result.responseBody;
    out.location = result.location;
  }
} catch (e) {
  out.error = e instanceof Error ? { message: e.message, stack: e.stack } : e;
}
process.stdout.write(JSON.stringify(out) + '\\n');
`;

interface ChildOut {
  responseBody?: { id?: string; name?: string; size?: number; file?: { hashes?: { quickXorHash?: string } } };
  location?: string;
  firstError?: unknown;
  error?: unknown;
  cancelStatus?: number;
  cancelled?: boolean;
}

let dir: string;
let emu: RunningOnedriveEmulator | undefined;
let data: Buffer;
let file: string;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-graph-'));
  data = Buffer.alloc(SIZE);
  let x = 0x9e3779b9;
  for (let i = 0; i < SIZE; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    data[i] = x & 0xff;
  }
  file = path.join(dir, 'local.bin');
  await fsp.writeFile(file, data);
});

afterEach(async () => {
  await emu?.close();
  emu = undefined;
  await fsp.rm(dir, { recursive: true, force: true });
});

async function start(o: OnedriveEmulatorOptions): Promise<RunningOnedriveEmulator> {
  emu = await startOnedriveEmulator({ dataDir: path.join(dir, 'server'), ...o });
  return emu;
}

async function runSdk(e: RunningOnedriveEmulator, mode: 'upload' | 'resume' | 'cancel' | 'drive' | 'commit', https: boolean, extra: { sessionUrl?: string; uploadUrl?: string; commitUrl?: string } = {}): Promise<ChildOut> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  if (https) {
    const ca = path.join(dir, 'emulator-ca.pem');
    await fsp.writeFile(ca, e.certificatePem!);
    env.NODE_EXTRA_CA_CERTS = ca;
  }
  const cfg = { base: e.url, token: e.token, file, name: 'clip 1.bin', folder: '/Documents/sub', rangeSize: K320, https, mode, ...extra };
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', CHILD, JSON.stringify(cfg)], { cwd: process.cwd(), env, timeout: 45_000 }, (err, out, errOut) => {
      if (err) reject(new Error(`Graph SDK child failed: ${err.message}\n${errOut}`));
      else resolve(out);
    });
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildOut;
}

async function storedDigest(remotePath: string): Promise<string> {
  const b = await fsp.readFile(path.join(dir, 'server', 'files', remotePath));
  return createHash('sha256').update(b).digest('hex');
}

function quickXor(b: Buffer): string {
  const h = createHasher('quickxor');
  h.update(b);
  return h.digest();
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const fragments = Math.ceil(SIZE / K320);
const ranges = Array.from({ length: fragments }, (_, i) => `bytes ${i * K320}-${Math.min(SIZE, (i + 1) * K320) - 1}/${SIZE}`);

describe('Microsoft Graph JS client against the OneDrive emulator', () => {
  it('uploads over https (customHosts) byte-identical, and the SDK reads the driveItem and Location', async () => {
    const e = await start({ tls: true });
    const out = await runSdk(e, 'upload', true);
    expect(out.error).toBeUndefined();
    expect(out.responseBody).toMatchObject({ name: 'clip 1.bin', size: SIZE, file: { hashes: { quickXorHash: quickXor(data) } } });
    expect(out.location).toBe(`${e.url}/v1.0/me/drive/items/${out.responseBody!.id}`);
    expect(await storedDigest('/Documents/sub/clip 1.bin')).toBe(sha256(data));
    const log = e.requests();
    expect(log[0]).toMatchObject({ method: 'POST', path: '/v1.0/me/drive/root:/Documents/sub/clip%201.bin:/createUploadSession', status: 200 });
    expect(log[0]!.headers.authorization).toBe(`Bearer ${e.token}`);
    const puts = log.slice(1);
    expect(puts.map((r) => r.method)).toEqual(Array(fragments).fill('PUT'));
    expect(puts.map((r) => r.headers['content-range'])).toEqual(ranges);
    expect(puts.map((r) => r.status)).toEqual([...Array(fragments - 1).fill(202), 201]);
    expect(puts.every((r) => /^\/up\/\w+$/.test(r.path))).toBe(true);
    // As in the recorded transcript: with customHosts the SDK sends its bearer to the upload URL
    // too, so the emulator's strictUploadAuth must stay off by default.
    expect(puts.every((r) => r.headers.authorization === `Bearer ${e.token}`)).toBe(true);
  });

  it('resumes after a forced 500 with task.resume(): status GET, then the failed fragment again', async () => {
    const e = await start({ tls: true });
    e.inject({ method: 'PUT', path: '/up/', after: 1, action: { kind: 'respond', status: 500, body: '{"error":{"code":"generalException","message":"forced failure"}}' } });
    const out = await runSdk(e, 'resume', true);
    expect(out.error).toBeUndefined();
    expect(out.firstError).toEqual({ error: { code: 'generalException', message: 'forced failure' } });
    expect(out.responseBody).toMatchObject({ size: SIZE });
    expect(await storedDigest('/Documents/sub/clip 1.bin')).toBe(sha256(data));
    const seq = e.requests().slice(1).map((r) => `${r.method} ${r.status} ${r.headers['content-range'] ?? ''}`.trim());
    expect(seq).toEqual([`PUT 202 ${ranges[0]}`, `PUT 500 ${ranges[1]}`, 'GET 200', ...ranges.slice(1).map((r, i) => `PUT ${i === ranges.length - 2 ? 201 : 202} ${r}`)]);
  });

  it('cancels with task.cancel(): DELETE answered 204, the session and its bytes are gone', async () => {
    const e = await start({ tls: true });
    e.inject({ method: 'PUT', path: '/up/', after: 1, action: { kind: 'respond', status: 500, body: '{"error":{"code":"generalException","message":"stop here"}}' } });
    const out = await runSdk(e, 'cancel', true);
    expect(out.error).toBeUndefined();
    expect(out).toMatchObject({ cancelStatus: 204, cancelled: true });
    expect(e.requests().at(-1)).toMatchObject({ method: 'DELETE', status: 204 });
    expect(await e.files()).toEqual([]);
    expect(await fsp.readdir(path.join(dir, 'server', 'sessions'))).toEqual([]);
  });

  it('uploads to /drives/{id} and /sites/{id}/drive with the generic LargeFileUploadTask (app-only token: no /me)', async () => {
    const e = await start({ tls: true, appOnly: true });
    const libraries = [[`/drives/${DEFAULT_DRIVE_ID}`, '/Team/clip 1.bin'], [`/sites/${DEFAULT_SITE_ID}/drive`, '/Site/clip 1.bin']] as const;
    for (const [root, remote] of libraries) {
      const out = await runSdk(e, 'drive', true, { sessionUrl: `${root}/root:${remote.split('/').map(encodeURIComponent).join('/')}:/createUploadSession` });
      expect(out.error).toBeUndefined();
      expect(out.responseBody).toMatchObject({ name: 'clip 1.bin', size: SIZE, parentReference: { driveId: DEFAULT_DRIVE_ID } });
      expect(await storedDigest(remote)).toBe(sha256(data));
    }
    expect(e.requests().filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([200, 200]);
  });

  it('the SDK\'s own explicit commit (PUT to the parent with name and @microsoft.graph.sourceUrl) finishes a session whose last fragment met a name conflict', async () => {
    const e = await start({ tls: true });
    const dispatcher = new Agent({ connect: { ca: e.certificatePem! } });
    const call = async (method: string, url: string, headers: Record<string, string>, body?: Buffer | string) => {
      const res = await request(url, { method: method as 'PUT', headers, body: body ?? null, dispatcher });
      return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
    };
    const api = { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' };
    const made = await call('POST', `${e.url}/v1.0/me/drive/root:/Documents/sub/clip%201.bin:/createUploadSession`, api, JSON.stringify({ item: { '@microsoft.graph.conflictBehavior': 'fail' } }));
    const uploadUrl = made.json.uploadUrl as string;
    const first = SIZE - 1000;
    expect((await call('PUT', uploadUrl, { 'content-range': `bytes 0-${first - 1}/${SIZE}` }, data.subarray(0, first))).status).toBe(202);
    expect((await call('PUT', `${e.url}/v1.0/me/drive/root:/Documents/sub/clip%201.bin:/content`, { ...api, 'content-type': 'application/octet-stream' }, Buffer.from('in the way'))).status).toBe(201);
    const last = await call('PUT', uploadUrl, { 'content-range': `bytes ${first}-${SIZE - 1}/${SIZE}` }, data.subarray(first));
    expect(last).toMatchObject({ status: 409, json: { error: { code: 'nameAlreadyExists' } } });
    await dispatcher.close();
    const out = await runSdk(e, 'commit', true, { uploadUrl, commitUrl: '/me/drive/root:/Documents/sub' });
    expect(out.error).toBeUndefined();
    expect(out.responseBody).toMatchObject({ name: 'clip 1 1.bin', size: SIZE, file: { hashes: { quickXorHash: quickXor(data) } } });
    expect(await storedDigest('/Documents/sub/clip 1 1.bin')).toBe(sha256(data));
    expect(e.requests().at(-1)).toMatchObject({ method: 'PUT', path: '/v1.0/me/drive/root:/Documents/sub', status: 201 });
  });

  it('uploads over plain http, where the SDK sends fragments to the mangled /v1.0/http://… path without Authorization', async () => {
    const e = await start({ requireToken: false });
    const out = await runSdk(e, 'upload', false);
    expect(out.error).toBeUndefined();
    expect(out.responseBody).toMatchObject({ size: SIZE });
    expect(await storedDigest('/Documents/sub/clip 1.bin')).toBe(sha256(data));
    const puts = e.requests().filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(fragments);
    for (const r of puts) {
      expect(r.path).toMatch(new RegExp(`^/v1\\.0/${e.url.replace(/[.]/g, '\\.')}/up/\\w+$`));
      expect(r.headers.authorization).toBeUndefined();
    }
  });
});
