// Fidelity: Google's own client library, @google-cloud/storage 7, drives the Redivis emulator's
// GCS session protocol (sdk-transcripts section 3). If the library fails here, the emulator is
// wrong until shown otherwise.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CRC32C, Storage, type CreateWriteStreamOptions } from '@google-cloud/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UploadJob } from '../../app/engine/provider.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { createRedivisProvider } from '../../app/providers/redivis/client.js';
import { startRedivisEmulator } from '../../app/emulators/redivis/emulator.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { systemClock } from '../../app/node/system-clock.js';

// Never let google-auth-library probe a GCE metadata server (no network beyond loopback).
process.env['METADATA_SERVER_DETECTION'] ??= 'none';

const K = 262_144;
const TABLE = 'alice.survey.responses';
let dir: string;
let emu: RunningEmulator;
let http: UndiciHttp;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-fidelity-gcs-'));
  http = new UndiciHttp({ idleTimeoutMs: 10_000 });
});
afterEach(async () => {
  await http.close?.();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

function storage(): Storage {
  // A custom apiEndpoint makes the library use plain gaxios (no Google credentials needed).
  return new Storage({ apiEndpoint: emu.url, projectId: 'local', retryOptions: { autoRetry: false, maxRetries: 0 } });
}

/** Writes the whole file from byte 0 into a library write stream; resolves with the session URI it used. */
async function libraryUpload(bucket: string, name: string, data: Buffer, o: CreateWriteStreamOptions): Promise<string | undefined> {
  const ws = storage().bucket(bucket).file(name).createWriteStream({ resumable: true, ...o });
  let uri: string | undefined = o.uri;
  ws.on('uri', (u: string) => { uri = u; });
  const pieces = Array.from({ length: Math.ceil(data.length / 65_536) }, (_, i) => data.subarray(i * 65_536, (i + 1) * 65_536));
  try {
    await pipeline(Readable.from(pieces), ws);
  } catch (e) {
    throw Object.assign(e as Error, { uri });
  }
  return uri;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sessionPutRanges = (): string[] => emu.requests().filter((r) => r.method === 'PUT' && r.path.startsWith('/upload/')).map((r) => `${r.headers['content-range']} -> ${r.status}`);

describe('@google-cloud/storage 7 against the Redivis emulator', () => {
  it('resume path A: finishes a session Ferry created through the Redivis API and already half filled', async () => {
    emu = await startRedivisEmulator({ dataDir: dir, token: 'tok_SECRET_123' });
    const data = randomBytes(5 * K + 4321);
    // The seed document's flow: its session is a JSON-API one, whose last answer is the object
    // resource this library validates. (The default tempUploads flow opens XML-API sessions, which
    // answer the last chunk with no JSON: a JSON-API library is not their client.)
    const p = createRedivisProvider({ clock: systemClock, endpoint: { url: emu.url, token: emu.token }, http, options: { pollIntervalMs: '1', uploadFlow: 'resumableUpload' } });
    const job: UploadJob = {
      file: { path: '/home/alice/responses.csv', name: 'responses.csv', size: data.length, mtimeMs: 0 },
      target: { remotePath: `/${TABLE}/responses.csv`, conflict: 'fail' }, chunkSize: 2 * K, digests: {},
    };
    const sig = new AbortController().signal;
    const session = await p.create(job, sig);
    expect(await p.sendChunk(session, job, { index: 0, offset: 0, data: data.subarray(0, 2 * K), final: false }, { signal: sig })).toEqual({ kind: 'offset', offset: 2 * K });

    const uri = (session.ref as { url: string }).url;
    await libraryUpload('redivis-uploads', 'ignored-with-uri', data, { uri, chunkSize: K });
    const total = data.length;
    expect(sessionPutRanges()).toEqual([
      `bytes 0-${2 * K - 1}/${total} -> 308`,
      // The library asks first, then skips the bytes the server holds.
      `bytes */* -> 308`,
      `bytes ${2 * K}-${3 * K - 1}/* -> 308`,
      `bytes ${3 * K}-${4 * K - 1}/* -> 308`,
      `bytes ${4 * K}-${5 * K - 1}/* -> 308`,
      `bytes ${5 * K}-${total - 1}/${total} -> 200`,
    ]);
    expect(emu.stats().bytesReceived).toBe(total);

    // Ferry finalizes on the table: the status query finds the object complete.
    const remote = await p.finish(session, job, {}, sig);
    // The object's crc32c (what the engine compares with the local file), as the library computes it.
    const crc = new CRC32C();
    crc.update(data);
    expect(remote).toMatchObject({ path: `/${TABLE}/responses.csv`, size: total, hash: { algorithm: 'crc32c', value: Buffer.from(crc.toString(), 'base64').toString('hex') } });
    expect(await emu.files()).toEqual([{ path: `/${TABLE}/responses.csv`, size: total, sha256: sha(data) }]);
  });

  it('a plain resumable createWriteStream (JSON-API initiation, chunked, crc32c validated) stores a byte-identical object', async () => {
    emu = await startRedivisEmulator({ dataDir: dir });
    const data = randomBytes(3 * K + 17);
    await libraryUpload('rbucket', 'dir/plain.bin', data, { chunkSize: K, metadata: { contentType: 'text/csv' } });
    const init = emu.requests().find((r) => r.method === 'POST');
    expect(init).toMatchObject({ path: '/upload/storage/v1/b/rbucket/o', status: 200 });
    expect(sessionPutRanges().at(-1)).toBe(`bytes ${3 * K}-${3 * K + 16}/${3 * K + 17} -> 200`);
    expect(await emu.files()).toEqual([{ path: '/rbucket/dir/plain.bin', size: data.length, sha256: sha(data) }]);
    expect((await readFile(join(dir, 'files', 'rbucket', 'dir', 'plain.bin'))).equals(data)).toBe(true);
  });

  it('validation: md5 and a single PUT without chunkSize (bytes 0-*/*, chunked transfer encoding)', async () => {
    emu = await startRedivisEmulator({ dataDir: dir });
    const data = randomBytes(2 * K + 5);
    await libraryUpload('rbucket', 'single.bin', data, { validation: 'md5' });
    expect(sessionPutRanges()).toEqual(['bytes 0-*/* -> 200']);
    expect(await emu.files()).toEqual([{ path: '/rbucket/single.bin', size: data.length, sha256: sha(data) }]);
  });

  it('resume path B: a forced 503 fails the stream; a new stream with {uri} asks, skips what landed, and completes', async () => {
    emu = await startRedivisEmulator({ dataDir: dir });
    const data = randomBytes(4 * K + 99);
    emu.inject({ method: 'PUT', withBody: true, after: 1, action: { kind: 'respond', status: 503, body: '{"error":{"code":503,"message":"forced"}}' } });
    const failed = await libraryUpload('rbucket', 'b.bin', data, { chunkSize: K }).then(() => undefined, (e: Error & { uri?: string }) => e);
    expect(failed).toBeInstanceOf(Error);
    const uri = failed!.uri;
    expect(uri).toMatch(/upload_id=/);
    expect(await emu.files()).toEqual([]);
    await libraryUpload('rbucket', 'b.bin', data, { uri, chunkSize: K });
    const ranges = sessionPutRanges();
    expect(ranges.slice(0, 4)).toEqual([`bytes 0-${K - 1}/* -> 308`, `bytes ${K}-${2 * K - 1}/* -> 503`, 'bytes */* -> 308', `bytes ${K}-${2 * K - 1}/* -> 308`]);
    expect(await emu.files()).toEqual([{ path: '/rbucket/b.bin', size: data.length, sha256: sha(data) }]);
  });

  it('partial persistence: the library believes a Range shorter than what it sent and resends from there', async () => {
    emu = await startRedivisEmulator({ dataDir: dir, persistLimit: K + K / 2 });
    const data = randomBytes(4 * K);
    await libraryUpload('rbucket', 'partial.bin', data, { chunkSize: 2 * K });
    const ranges = sessionPutRanges();
    expect(ranges[0]).toBe(`bytes 0-${2 * K - 1}/* -> 308`);
    expect(ranges[1]).toMatch(new RegExp(`^bytes ${K + K / 2}-`));
    expect(await emu.files()).toEqual([{ path: '/rbucket/partial.bin', size: data.length, sha256: sha(data) }]);
  });
});
