// The Synapse client against the emulator on what the real service does beyond the multipart
// calls (issue 9): one endpoint for both services, the container's upload destination, Folder
// entities for nested paths, names checked before the upload, empty files, storage limits.
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError, isFerryError } from '../../app/common/errors.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { startSynapseEmulator, type SynapseEmulatorOptions } from '../../app/emulators/synapse/emulator.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { PART, drive, jobFor, localFile, storageLocationOf, synapseClient } from '../helpers/synapse-rig.js';

let dir: string;
let em: RunningEmulator;
let http: UndiciHttp;

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-synapse-real-'));
  http = new UndiciHttp({ idleTimeoutMs: 10_000 });
});

afterEach(async () => {
  await em?.close();
  await http.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function startEmu(extra: SynapseEmulatorOptions = {}): Promise<void> {
  em = await startSynapseEmulator({ dataDir: join(dir, 'emu'), minPartSize: PART, ...extra });
}

const caught = (p: Promise<unknown>): Promise<FerryError> => p.then(() => { throw new Error('expected a FerryError'); }, (e: unknown) => e as FerryError);
const entityPosts = (): number => em.requests().filter((r) => r.method === 'POST' && r.path === '/repo/v1/entity').length;

describe('Synapse endpoint: the host, /repo/v1 or /file/v1 all reach both services', () => {
  it.each(['', '/', '/repo/v1', '/repo/v1/', '/file/v1', '/file/v1/'])('endpoint <emulator>%s uploads and creates the entity', async (suffix) => {
    await startEmu();
    const f = await localFile(dir, 'e.bin', PART + 3);
    const remote = await drive(synapseClient(em, http, { url: `${em.url}${suffix}` }), jobFor(f, '/syn123/e.bin'), f.data);
    expect(remote.path).toBe('/syn123/e.bin');
    expect(em.requests().every((r) => r.status < 400), JSON.stringify(em.requests().map((r) => `${r.method} ${r.path} ${r.status}`))).toBe(true);
  });

  it('repoUrl and fileUrl options override the endpoint', async () => {
    await startEmu();
    const f = await localFile(dir, 'o.bin', 10);
    const p = synapseClient(em, http, { url: 'http://127.0.0.1:9/nowhere', options: { repoUrl: `${em.url}/repo/v1/`, fileUrl: em.url } });
    expect((await drive(p, jobFor(f, '/syn123/o.bin'), f.data)).path).toBe('/syn123/o.bin');
  });
});

describe('Synapse storage: the upload destination of the folder decides the storage location', () => {
  it("a project with its own storage gets the file in its storage location, not in Synapse's default bucket", async () => {
    await startEmu({ uploadDestinations: { syn777: { storageLocationId: 4242 } } });
    const own = await localFile(dir, 'own.bin', PART + 1, 1);
    const plain = await localFile(dir, 'plain.bin', 50, 2);
    const inOwn = await drive(synapseClient(em, http), jobFor(own, '/syn777/deep/own.bin'), own.data);
    const inPlain = await drive(synapseClient(em, http), jobFor(plain, '/syn123/plain.bin'), plain.data);
    expect(await storageLocationOf(em, inOwn.id!)).toBe(4242);
    expect(await storageLocationOf(em, inPlain.id!)).toBe(1);
    expect(em.requests().filter((r) => r.path.endsWith('/uploadDestination')).map((r) => r.status)).toEqual([200, 200]);
  });

  it('an explicit storageLocationId option still wins', async () => {
    await startEmu({ uploadDestinations: { syn777: { storageLocationId: 4242 } } });
    const f = await localFile(dir, 'x.bin', 20);
    const r = await drive(synapseClient(em, http, { options: { storageLocationId: '9' } }), jobFor(f, '/syn777/x.bin'), f.data);
    expect(await storageLocationOf(em, r.id!)).toBe(9);
  });

  it('a destination the client must write itself (client-authenticated object store) is refused before any byte', async () => {
    await startEmu({ uploadDestinations: { syn777: { storageLocationId: 5, concreteType: 'org.sagebionetworks.repo.model.file.ExternalObjectStoreUploadDestination' } } });
    const f = await localFile(dir, 'x.bin', 20);
    const err = await caught(drive(synapseClient(em, http), jobFor(f, '/syn777/x.bin'), f.data));
    expect(err.code).toBe('rejected');
    expect(err.message).toMatch(/ExternalObjectStoreUploadDestination.*Synapse Python client/);
    expect(em.stats().bytesReceived).toBe(0);
  });
});

describe('Synapse folders: nested remote paths become Folder entities', () => {
  it('keeps the tree, creating each folder once and finding it again in a new process', async () => {
    await startEmu();
    const a = await localFile(dir, 'a.bin', PART + 5, 1);
    const b = await localFile(dir, 'b.bin', 70, 2);
    const c = await localFile(dir, 'c.bin', 80, 3);
    const p = synapseClient(em, http);
    expect((await drive(p, jobFor(a, '/syn123/raw/2024/a.bin'), a.data)).path).toBe('/syn123/raw/2024/a.bin');
    expect((await drive(p, jobFor(b, '/syn123/raw/b.bin'), b.data)).path).toBe('/syn123/raw/b.bin');
    expect(entityPosts()).toBe(4); // raw, 2024, a.bin, b.bin
    // A restarted app finds the folders by name instead of creating them again.
    expect((await drive(synapseClient(em, http), jobFor(c, '/syn123/raw/2024/c.bin'), c.data)).path).toBe('/syn123/raw/2024/c.bin');
    expect(entityPosts()).toBe(5);
    expect((await em.files()).map((f) => f.path)).toEqual(['/syn123/raw/2024/a.bin', '/syn123/raw/2024/c.bin', '/syn123/raw/b.bin']);
  });

  it('a path not starting with a Synapse id is relative to the parentId option', async () => {
    await startEmu();
    const f = await localFile(dir, 'r.bin', 30);
    const remote = await drive(synapseClient(em, http, { options: { parentId: 'syn55' } }), jobFor(f, '/Data/r.bin'), f.data);
    expect(remote.path).toBe('/syn55/Data/r.bin');
    expect((await em.files()).map((x) => x.path)).toEqual(['/syn55/Data/r.bin']);
  });

  it('two uploads into the same new folder at once make one folder', async () => {
    await startEmu();
    const x = await localFile(dir, 'x.bin', 40, 1);
    const y = await localFile(dir, 'y.bin', 41, 2);
    const p = synapseClient(em, http);
    await Promise.all([drive(p, jobFor(x, '/syn123/new/x.bin'), x.data), drive(p, jobFor(y, '/syn123/new/y.bin'), y.data)]);
    expect((await em.files()).map((f) => f.path)).toEqual(['/syn123/new/x.bin', '/syn123/new/y.bin']);
    expect(entityPosts()).toBe(3);
  });

  it("another upload's cancellation while it looks the folder up does not fail ours", async () => {
    await startEmu();
    const x = await localFile(dir, 'x.bin', 40, 1);
    const y = await localFile(dir, 'y.bin', 41, 2);
    const p = synapseClient(em, http);
    const gone = new AbortController();
    gone.abort();
    const first = p.create(jobFor(x, '/syn123/shared/x.bin'), gone.signal);
    const second = drive(p, jobFor(y, '/syn123/shared/y.bin'), y.data);
    await expect(first).rejects.toThrow();
    expect((await second).path).toBe('/syn123/shared/y.bin');
  });

  it('a file where a folder should be is a name conflict naming both', async () => {
    await startEmu();
    const f = await localFile(dir, 'docs', 10, 1);
    await drive(synapseClient(em, http), jobFor(f, '/syn123/docs'), f.data);
    const g = await localFile(dir, 'g.bin', 10, 2);
    const err = await caught(drive(synapseClient(em, http), jobFor(g, '/syn123/docs/g.bin'), g.data));
    expect(err.code).toBe('name-conflict');
    expect(err.message).toMatch(/"docs" in syn123 on Synapse is a FileEntity \(syn\d+\), not a folder/);
  });
});

describe('Synapse names: checked before the upload, not refused after it', () => {
  it.each([
    ['file', '/syn123/report&summary.bin', /file name "report&summary\.bin".*contains "&"/],
    ['folder', '/syn123/2024:raw/a.bin', /folder name "2024:raw".*contains ":"/],
  ])('a %s name with a character Synapse refuses is a bad-input error at create, before any request', async (_what, remotePath, why) => {
    await startEmu();
    const f = await localFile(dir, 'local.bin', PART + 1);
    const err = await caught(synapseClient(em, http).create(jobFor(f, remotePath), AbortSignal.timeout(5_000)));
    expect(err.code).toBe('bad-input');
    expect(err.message).toMatch(why);
    expect(err.message).toContain(f.path);
    expect(err.message).toContain('letters, numbers, spaces, underscores, hyphens, periods, plus signs, apostrophes, and parentheses');
    expect(em.stats().requests).toBe(0);
  });

  it("accepts every character of the server's rule, the comma included", async () => {
    await startEmu();
    const f = await localFile(dir, 'ok.bin', 10);
    const name = "Run 1, take (2) - O'Brien+final_v1.0.bin";
    expect((await drive(synapseClient(em, http), jobFor(f, `/syn123/${name}`), f.data)).path).toBe(`/syn123/${name}`);
  });
});

describe('Synapse storage limit', () => {
  it('a project over its storage limit is a quota error carrying the server reason', async () => {
    await startEmu({ storageLimits: { syn123: 100 } });
    const a = await localFile(dir, 'a.bin', 60, 1);
    const b = await localFile(dir, 'b.bin', 60, 2);
    await drive(synapseClient(em, http), jobFor(a, '/syn123/a.bin'), a.data);
    const err = await caught(drive(synapseClient(em, http), jobFor(b, '/syn123/sub/b.bin'), b.data));
    expect(isFerryError(err, 'quota')).toBe(true);
    expect(err.message).toMatch(/storage limit/);
    expect((await em.files()).map((f) => f.path)).toEqual(['/syn123/a.bin']);
  });

  it('is recognised by its reason whatever the status [U]', async () => {
    await startEmu({ storageLimits: { syn123: 10 }, storageLimitError: { status: 400, reason: 'Upload would exceed the storage quota of this project' } });
    const a = await localFile(dir, 'a.bin', 60, 1);
    const err = await caught(drive(synapseClient(em, http), jobFor(a, '/syn123/a.bin'), a.data));
    expect(err.code).toBe('quota');
    expect(err.message).toContain('Upload would exceed the storage quota of this project');
  });
});
