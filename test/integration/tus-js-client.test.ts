// Fidelity of our emulator: the reference client, tus-js-client 4, uploads to it unmodified
// (plain, creation-with-upload + method override, retry after a 500, resume by upload URL).
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTusEmulator, type RunningTusEmulator } from '../../app/emulators/tus/emulator.js';

const CHUNK = 64 * 1024;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const dataDir = await fsp.mkdtemp(join(tmpdir(), 'ferry-tusjs-'));
  const emu: RunningTusEmulator = await startTusEmulator({ dataDir });
  cleanups.push(async () => { await emu.close(); await fsp.rm(dataDir, { recursive: true, force: true }); });
  return { emu, stored: (p: string) => fsp.readFile(join(dataDir, 'files', p)) };
}

/** Runs one tus-js-client upload to the end; resolves with its upload URL. */
function runUpload(data: Buffer, options: tus.UploadOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const up = new tus.Upload(data, {
      chunkSize: CHUNK,
      retryDelays: [0],
      ...options,
      onSuccess: () => resolve(up.url ?? ''),
      onError: (e) => reject(e),
    });
    cleanups.push(async () => { await up.abort().catch(() => undefined); });
    up.start();
  });
}

const methods = (emu: RunningTusEmulator) => emu.requests().map((r) => `${r.method} ${r.status}`);

describe('tus-js-client 4 against our tus emulator', () => {
  it('uploads in chunks with metadata and a bearer token; the file lands byte-identical at its path', async () => {
    const { emu, stored } = await setup();
    const data = randomBytes(3 * CHUNK + 999);
    await runUpload(data, { endpoint: emu.url, headers: { Authorization: `Bearer ${emu.token}` }, metadata: { filename: 'a.bin', filetype: 'application/octet-stream', path: '/js/a.bin' } });
    expect((await stored('/js/a.bin')).equals(data)).toBe(true);
    expect(methods(emu)).toEqual(['POST 201', 'PATCH 204', 'PATCH 204', 'PATCH 204', 'PATCH 204']);
  });

  it('creation-with-upload and X-HTTP-Method-Override; without a path the file goes under /uploads/<id>', async () => {
    const { emu, stored } = await setup();
    const data = randomBytes(2 * CHUNK + 1);
    const url = await runUpload(data, { endpoint: emu.url, headers: { Authorization: `Bearer ${emu.token}` }, uploadDataDuringCreation: true, overridePatchMethod: true, metadata: { filename: 'b.bin' } });
    expect((await stored(`/uploads/${url.split('/').pop()}`)).equals(data)).toBe(true);
    const reqs = emu.requests();
    expect(reqs.map((r) => `${r.method} ${r.headers['x-http-method-override'] ?? '-'} ${r.bytes}`)).toEqual([`POST - ${CHUNK}`, `POST PATCH ${CHUNK}`, 'POST PATCH 1']);
  });

  it('recovers from a 500 on a PATCH by asking HEAD and continuing', async () => {
    const { emu, stored } = await setup();
    emu.inject({ method: 'PATCH', after: 1, action: { kind: 'respond', status: 500 } });
    const data = randomBytes(3 * CHUNK);
    await runUpload(data, { endpoint: emu.url, headers: { Authorization: `Bearer ${emu.token}` }, metadata: { path: '/js/retry.bin' } });
    expect((await stored('/js/retry.bin')).equals(data)).toBe(true);
    expect(methods(emu)).toEqual(['POST 201', 'PATCH 204', 'PATCH 500', 'HEAD 200', 'PATCH 204', 'PATCH 204']);
  });

  it('resumes an existing upload from its URL: HEAD, then only the missing bytes', async () => {
    const { emu, stored } = await setup();
    const data = randomBytes(2 * CHUNK);
    const headers = { Authorization: `Bearer ${emu.token}`, 'Tus-Resumable': '1.0.0' };
    const created = await fetch(emu.url, { method: 'POST', headers: { ...headers, 'Upload-Length': String(data.length), 'Upload-Metadata': `path ${Buffer.from('/js/resumed.bin').toString('base64')}` } });
    const uploadUrl = new URL(created.headers.get('location')!, emu.url).href;
    await fetch(uploadUrl, { method: 'PATCH', headers: { ...headers, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }, body: data.subarray(0, 5000) });
    const before = emu.requests().length;
    await runUpload(data, { endpoint: emu.url, uploadUrl, headers: { Authorization: `Bearer ${emu.token}` } });
    expect((await stored('/js/resumed.bin')).equals(data)).toBe(true);
    expect(emu.requests().slice(before).map((r) => `${r.method} ${r.bytes}`)).toEqual(['HEAD 0', `PATCH ${CHUNK}`, `PATCH ${data.length - 5000 - CHUNK}`]);
  });
});
