// The Synapse emulator's repository side spoken to in raw HTTP: the entity name rule and its
// messages (NameValidation), exact-case unique names (NODE.NAME utf8mb4_bin), child lookup
// (POST /entity/child), Folder parents, upload destinations, and the [U] storage limit.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { startSynapseEmulator, type SynapseEmulatorOptions } from '../../app/emulators/synapse/emulator.js';

const FOLDER = 'org.sagebionetworks.repo.model.Folder';
const FILE = 'org.sagebionetworks.repo.model.FileEntity';
const ALLOWED = 'Names may only contain: letters, numbers, spaces, underscores, hyphens, periods, plus signs, apostrophes, and parentheses';

let dir: string;
let em: RunningEmulator;

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-synrepo-'));
});
afterEach(async () => {
  await em?.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function start(o: SynapseEmulatorOptions = {}): Promise<void> {
  em = await startSynapseEmulator({ dataDir: join(dir, 'emu'), minPartSize: 1024, ...o });
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${em.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${em.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const folder = (name: unknown, parentId: string) => call('POST', '/repo/v1/entity', { concreteType: FOLDER, name, parentId });

/** A finished one-part upload; returns its file handle id. */
async function handle(data: Buffer, fileName = 'data.bin'): Promise<string> {
  const md5 = createHash('md5').update(data).digest('hex');
  const s = await call('POST', '/file/v1/file/multipart', { fileName, fileSizeBytes: data.length, contentMD5Hex: md5, partSizeBytes: 1024 });
  const u = await call('POST', `/file/v1/file/multipart/${s.body.uploadId}/presigned/url/batch`, { uploadId: s.body.uploadId, partNumbers: [1] });
  expect((await fetch(u.body.partPresignedUrls[0].uploadPresignedUrl, { method: 'PUT', body: data })).status).toBe(200);
  await call('PUT', `/file/v1/file/multipart/${s.body.uploadId}/add/1?partMD5Hex=${md5}`);
  return (await call('PUT', `/file/v1/file/multipart/${s.body.uploadId}/complete`)).body.resultFileHandleId as string;
}

describe('Synapse emulator: entity names (NameValidation)', () => {
  it('refuses characters outside the rule with the server message, at entity creation and at multipart start', async () => {
    await start();
    expect(await folder('a&b', 'syn1')).toEqual({ status: 400, body: { concreteType: 'org.sagebionetworks.repo.model.ErrorResponse', reason: `Invalid Name: 'a&b'. ${ALLOWED}` } });
    const s = await call('POST', '/file/v1/file/multipart', { fileName: 'x:y.bin', fileSizeBytes: 5, contentMD5Hex: 'ab', partSizeBytes: 1024 });
    expect(s).toMatchObject({ status: 400, body: { reason: `Invalid Name: 'x:y.bin'. ${ALLOWED}` } });
  });

  it('trims names, refuses blank and over-long ones, accepts commas and apostrophes', async () => {
    await start();
    expect((await folder('  padded  ', 'syn1')).body.name).toBe('padded');
    expect(await folder('   ', 'syn1')).toMatchObject({ status: 400, body: { reason: 'Name cannot be only whitespace or empty string' } });
    expect(await folder('n'.repeat(257), 'syn1')).toMatchObject({ status: 400, body: { reason: 'Name length cannot be longer than 256 characters.' } });
    expect((await folder("a, b's (c)+d-e_f.g", 'syn1')).status).toBe(201);
  });

  it('names are unique per parent and compared exactly: "Data" and "data" may both exist; a second "Data" is 409', async () => {
    await start();
    expect((await folder('Data', 'syn1')).status).toBe(201);
    expect((await folder('data', 'syn1')).status).toBe(201);
    expect(await folder('Data', 'syn1')).toMatchObject({ status: 409, body: { reason: 'An entity with the name: Data already exists with a parentId: syn1' } });
  });
});

describe('Synapse emulator: folders and lookup', () => {
  it('POST /entity/child finds a child by exact name (200 {id}) or answers 404 with the server reason', async () => {
    await start();
    const made = await folder('raw', 'syn1');
    expect(made).toMatchObject({ status: 201, body: { concreteType: FOLDER, name: 'raw', parentId: 'syn1' } });
    expect(await call('POST', '/repo/v1/entity/child', { parentId: 'syn1', entityName: 'raw' })).toEqual({ status: 200, body: { id: made.body.id } });
    expect(await call('POST', '/repo/v1/entity/child', { parentId: 'syn1', entityName: 'RAW' })).toMatchObject({ status: 404, body: { reason: "Child not found for parent: 'syn1' with name: 'RAW'" } });
    expect(await call('GET', `/repo/v1/entity/${made.body.id}`)).toMatchObject({ status: 200, body: { concreteType: FOLDER, name: 'raw' } });
  });

  it('files go under folders and show in the tree; a file cannot be a parent', async () => {
    await start();
    const raw = (await folder('raw', 'syn1')).body.id as string;
    const day = (await folder('day 1', raw)).body.id as string;
    const h = await handle(Buffer.from('hello world'));
    const f = await call('POST', '/repo/v1/entity', { concreteType: FILE, name: 'a.txt', parentId: day, dataFileHandleId: h });
    expect(f.status).toBe(201);
    expect((await em.files()).map((x) => x.path)).toEqual(['/syn1/raw/day 1/a.txt']);
    const under = await call('POST', '/repo/v1/entity', { concreteType: FOLDER, name: 'x', parentId: f.body.id });
    expect(under).toMatchObject({ status: 400, body: { reason: `Entity type: ${FOLDER} cannot have a parent of type: ${FILE}` } });
  });
});

describe('Synapse emulator: upload destinations and storage', () => {
  it("answers Synapse's S3 bucket (location 1) by default, and a configured container's location for it and everything below", async () => {
    await start({ uploadDestinations: { syn7: { storageLocationId: 4242 } } });
    expect(await call('GET', '/file/v1/entity/syn1/uploadDestination')).toEqual({ status: 200, body: { concreteType: 'org.sagebionetworks.repo.model.file.S3UploadDestination', storageLocationId: 1, uploadType: 'S3' } });
    const sub = (await folder('sub', 'syn7')).body.id as string;
    expect((await call('GET', `/file/v1/entity/${sub}/uploadDestination`)).body).toEqual({ concreteType: 'org.sagebionetworks.repo.model.file.ExternalS3UploadDestination', storageLocationId: 4242, uploadType: 'S3' });
  });

  it('records the storage location of each file handle from its multipart request', async () => {
    await start();
    const data = Buffer.from('stored elsewhere');
    const md5 = createHash('md5').update(data).digest('hex');
    const s = await call('POST', '/file/v1/file/multipart', { fileName: 'e.bin', fileSizeBytes: data.length, contentMD5Hex: md5, partSizeBytes: 1024, storageLocationId: 4242 });
    const u = await call('POST', `/file/v1/file/multipart/${s.body.uploadId}/presigned/url/batch`, { uploadId: s.body.uploadId, partNumbers: [1] });
    await fetch(u.body.partPresignedUrls[0].uploadPresignedUrl, { method: 'PUT', body: data });
    await call('PUT', `/file/v1/file/multipart/${s.body.uploadId}/add/1?partMD5Hex=${md5}`);
    const done = await call('PUT', `/file/v1/file/multipart/${s.body.uploadId}/complete`);
    expect((await call('GET', `/file/v1/fileHandle/${done.body.resultFileHandleId}`)).body.storageLocationId).toBe(4242);
  });

  it('[U] a project over its storage limit refuses the file entity (default 403, a reason naming the limit)', async () => {
    await start({ storageLimits: { syn1: 15 } });
    const sub = (await folder('sub', 'syn1')).body.id as string;
    expect((await call('POST', '/repo/v1/entity', { concreteType: FILE, name: 'a', parentId: 'syn1', dataFileHandleId: await handle(Buffer.alloc(10, 1)) })).status).toBe(201);
    const over = await call('POST', '/repo/v1/entity', { concreteType: FILE, name: 'b', parentId: sub, dataFileHandleId: await handle(Buffer.alloc(10, 2)) });
    expect(over.status).toBe(403);
    expect(over.body.reason).toMatch(/Project syn1 has exceeded its storage limit of 15 bytes/);
    // Other projects are not limited.
    expect((await call('POST', '/repo/v1/entity', { concreteType: FILE, name: 'b', parentId: 'syn2', dataFileHandleId: await handle(Buffer.alloc(10, 3)) })).status).toBe(201);
  });
});
