// Fidelity: Box's own SDK (box-typescript-sdk-gen 1.19.1) against the Box emulator. If the SDK
// fails here, the emulator is wrong until shown otherwise (sdk-transcripts.md section 1).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoxClient, BoxDeveloperTokenAuth } from 'box-typescript-sdk-gen';
import { BoxApiError } from 'box-typescript-sdk-gen/box/errors';
import { generateByteStreamFromBuffer } from 'box-typescript-sdk-gen/internal';
import { type BoxRunningEmulator, startBoxEmulator } from '../../app/emulators/box/emulator.js';

const PART = 1024 * 1024;
// Three full parts and a short last one: the SDK asserts part_size * total_parts >= file_size.
const SIZE = 3 * PART + 123_457;

let dir: string;
let emu: BoxRunningEmulator;
let data: Buffer;
let localPath: string;

function sdk(): BoxClient {
  return new BoxClient({ auth: new BoxDeveloperTokenAuth({ token: emu.token }) }).withCustomBaseUrls({
    // The two bases the SDK defaults to https://api.box.com and https://upload.box.com/api.
    baseUrl: emu.url,
    uploadUrl: emu.uploadUrl,
    oauth2Url: `${emu.url}/oauth2`,
  });
}

const sha1 = (b: Buffer, enc: 'hex' | 'base64'): string => createHash('sha1').update(b).digest(enc);

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-box-fidelity-'));
  emu = await startBoxEmulator({ dataDir: join(dir, 'emu'), partSize: PART, minSessionFileSize: 2 * PART });
  data = randomBytes(SIZE);
  localPath = join(dir, 'big.bin');
  await fsp.writeFile(localPath, data);
});

afterEach(async () => {
  await emu.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function storedBytes(remotePath: string): Promise<Buffer> {
  return fsp.readFile(join(dir, 'emu', 'files', remotePath));
}

describe('box-typescript-sdk-gen against the Box emulator', () => {
  it('uploadBigFile stores a byte-identical file and returns the File entry', async () => {
    const file = await sdk().chunkedUploads.uploadBigFile(createReadStream(localPath), 'big.bin', SIZE, '0');
    expect(file.name).toBe('big.bin');
    expect(file.size).toBe(SIZE);
    expect(file.sha1).toBe(sha1(data, 'hex'));
    expect((await storedBytes('/big.bin')).equals(data)).toBe(true);
    const puts = emu.requests().filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // The SDK streams parts with chunked transfer encoding; the emulator must take that.
    expect(puts[0]!.headers['transfer-encoding']).toBe('chunked');
    expect(emu.requests().map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201', 'PUT 200', 'PUT 200', 'PUT 200', 'PUT 200', 'GET 200', 'POST 201',
    ]);
  });

  it('resumes with the low-level calls: create, one part, status, list parts, the rest, commit', async () => {
    const client = sdk();
    const session = await client.chunkedUploads.createFileUploadSession({ fileName: 'resumed.bin', fileSize: SIZE, folderId: '0' });
    expect(session.partSize).toBe(PART);
    expect(session.totalParts).toBe(4);
    const ep = session.sessionEndpoints!;
    const send = (i: number): Promise<unknown> => {
      const chunk = data.subarray(i * PART, Math.min(SIZE, (i + 1) * PART));
      return client.chunkedUploads.uploadFilePartByUrl(ep.uploadPart!, generateByteStreamFromBuffer(chunk), {
        digest: `sha=${sha1(chunk, 'base64')}`,
        contentRange: `bytes ${i * PART}-${i * PART + chunk.length - 1}/${SIZE}`,
      });
    };
    await send(0);
    // "Crash": a fresh client asks the server what it holds.
    const resumed = sdk();
    const status = await resumed.chunkedUploads.getFileUploadSessionByUrl(ep.status!);
    expect(status.numPartsProcessed).toBe(1);
    const held = await resumed.chunkedUploads.getFileUploadSessionPartsByUrl(ep.listParts!);
    expect(held.totalCount).toBe(1);
    const have = new Set((held.entries ?? []).map((p) => p.offset! / PART));
    for (let i = 0; i < 4; i++) if (!have.has(i)) await send(i);
    const all = await resumed.chunkedUploads.getFileUploadSessionPartsByUrl(ep.listParts!);
    expect(all.totalCount).toBe(4);
    const committed = await resumed.chunkedUploads.createFileUploadSessionCommitByUrl(
      ep.commit!, { parts: all.entries! }, { digest: `sha=${sha1(data, 'base64')}` },
    );
    expect(committed?.entries?.[0]?.sha1).toBe(sha1(data, 'hex'));
    expect((await storedBytes('/resumed.bin')).equals(data)).toBe(true);
    // Part 0 went up exactly once: resume never re-sent what the server held.
    const ranges = emu.requests().filter((r) => r.method === 'PUT').map((r) => r.headers['content-range']);
    expect(ranges.filter((r) => r?.startsWith('bytes 0-'))).toHaveLength(1);
  });

  it('uploadFile (simple multipart upload) and a new version via uploadFileVersion', async () => {
    const client = sdk();
    const small = randomBytes(70_001);
    const created = await client.uploads.uploadFile({
      attributes: { name: 'small.bin', parent: { id: '0' } },
      file: generateByteStreamFromBuffer(small),
    });
    const entry = created.entries![0]!;
    expect(entry.sha1).toBe(sha1(small, 'hex'));
    expect((await storedBytes('/small.bin')).equals(small)).toBe(true);
    const next = randomBytes(513);
    const version = await client.uploads.uploadFileVersion(entry.id, {
      attributes: { name: 'small.bin' },
      file: generateByteStreamFromBuffer(next),
    });
    expect(version.entries![0]!.id).toBe(entry.id);
    expect((await storedBytes('/small.bin')).equals(next)).toBe(true);
  });

  it('uploadWithPreflightCheck: the OPTIONS pre-flight hands back an upload URL the SDK then uses', async () => {
    const client = sdk();
    const small = randomBytes(4_096);
    const files = await client.uploads.uploadWithPreflightCheck({
      attributes: { name: 'checked.bin', size: small.length, parent: { id: '0' } },
      file: generateByteStreamFromBuffer(small),
    });
    expect(files.entries![0]!.sha1).toBe(sha1(small, 'hex'));
    expect(emu.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['OPTIONS /2.0/files/content 200', 'POST /api/2.0/files/content 201']);
    // A second pre-flight for the same name is refused before any byte moves.
    const err = await client.uploads.uploadWithPreflightCheck({
      attributes: { name: 'checked.bin', size: 1, parent: { id: '0' } },
      file: generateByteStreamFromBuffer(Buffer.from('x')),
    }).then(() => undefined, (e: unknown) => e);
    // (Matched by message: this SDK's BoxApiError cannot be printed, its toJSON reads a field it never sets.)
    expect((err as Error).message).toMatch(/^409 "Item with the same name already exists"/);
    expect(emu.requests().at(-1)).toMatchObject({ method: 'OPTIONS', status: 409 });
  });

  it('folders: create, list items, and the 409 for a taken name reaches the SDK as BoxApiError', async () => {
    const client = sdk();
    const folder = await client.folders.createFolder({ name: 'Footage', parent: { id: '0' } });
    const items = await client.folders.getFolderItems('0');
    expect(items.entries?.map((e) => e.id)).toEqual([folder.id]);
    // Box compares names case-insensitively.
    const err = await client.folders.createFolder({ name: 'footage', parent: { id: '0' } }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(BoxApiError);
    // The SDK builds its message from the status, Box's `message` and `request_id`.
    expect((err as BoxApiError).message).toMatch(/^409 "Item with the same name already exists"; Request ID: "[0-9a-f]+"/);
  });

  it('folder items by marker (usemarker, marker, nextMarker) page through every item once', async () => {
    const client = sdk();
    for (const name of ['a', 'b', 'c', 'd', 'e']) await client.folders.createFolder({ name, parent: { id: '0' } });
    const names: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const items = await client.folders.getFolderItems('0', { queryParams: { usemarker: true, limit: 2, ...(marker ? { marker } : {}) } });
      names.push(...(items.entries ?? []).map((e) => (e as { name?: string }).name ?? ''));
      if (!items.nextMarker) break;
      marker = items.nextMarker;
    }
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
