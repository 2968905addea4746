// Re-uploading a changed file under the same name with conflict 'replace': on Synapse that is a new
// version of the same FileEntity (its id, and with it annotations, provenance and links, stay).
// The client GETs the existing entity, sets the new dataFileHandleId and PUTs it back with its
// etag; the server makes version 2 (README "Conflict policy 'replace'").
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { isFerryError } from '../../app/common/errors.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { startSynapseEmulator } from '../../app/emulators/synapse/emulator.js';
import { drive, jobFor, localFile, synapseClient, PART } from '../helpers/synapse-rig.js';

let dir: string;
let em: RunningEmulator;
let http: UndiciHttp;

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-synapse-replace-'));
  http = new UndiciHttp({ idleTimeoutMs: 10_000 });
  em = await startSynapseEmulator({ dataDir: join(dir, 'emu'), minPartSize: PART });
});

afterEach(async () => {
  await em?.close();
  await http.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${em.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${em.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function storedSha(path: string): Promise<string | null | undefined> {
  return (await em.files()).find((f) => f.path === path)?.sha256;
}

it("'replace': the same entity id, version 2, the new bytes; version 1 keeps the old file", async () => {
  const p = synapseClient(em, http);
  const v1 = await localFile(dir, 'a-v1.bin', 3 * PART + 10, 1);
  const first = await drive(p, jobFor(v1, '/data.bin', 'fail'), v1.data);
  expect(first.version).toBe(1);
  const oldHandle = (await api('GET', `/repo/v1/entity/${first.id!}`)).json.dataFileHandleId;

  const v2 = await localFile(dir, 'a-v2.bin', 2 * PART + 77, 2);
  const second = await drive(p, jobFor(v2, '/data.bin', 'replace'), v2.data);
  expect(second.id).toBe(first.id);
  expect(second.version).toBe(2);
  expect(second.path).toBe('/syn123/data.bin');
  expect(second.hash?.value).toBe(v2.md5);

  const e = (await api('GET', `/repo/v1/entity/${first.id!}`)).json;
  expect(e.versionNumber).toBe(2);
  expect(e.dataFileHandleId).not.toBe(oldHandle);
  expect(await storedSha('/syn123/data.bin')).toBe(sha(v2.data));
  expect((await em.files()).map((f) => f.path)).toEqual(['/syn123/data.bin']);
  const old = (await api('GET', `/repo/v1/entity/${first.id!}/version/1`)).json;
  expect(old.dataFileHandleId).toBe(oldHandle);
  expect(old.versionNumber).toBe(1);
});

it("'replace' with unchanged bytes: the same entity and version, nothing new", async () => {
  const p = synapseClient(em, http);
  const f = await localFile(dir, 'same.bin', PART + 1, 3);
  const first = await drive(p, jobFor(f, '/same.bin'), f.data);
  const again = await drive(p, jobFor(f, '/same.bin', 'replace'), f.data);
  expect(again.id).toBe(first.id);
  expect(again.version).toBe(1);
  expect(em.requests().filter((r) => r.method === 'PUT' && r.path.startsWith('/repo/v1/entity/'))).toHaveLength(0);
});

it("'fail' and 'rename' are unchanged by 'replace'", async () => {
  const p = synapseClient(em, http);
  const v1 = await localFile(dir, 'b1.bin', PART, 4);
  const v2 = await localFile(dir, 'b2.bin', PART, 5);
  const first = await drive(p, jobFor(v1, '/b.bin'), v1.data);
  const failed = await drive(p, jobFor(v2, '/b.bin', 'fail'), v2.data).catch((e: unknown) => e);
  expect(isFerryError(failed) && failed.code).toBe('name-conflict');
  const renamed = await drive(p, jobFor(v2, '/b.bin', 'rename'), v2.data);
  expect(renamed.path).toBe('/syn123/b (1).bin');
  expect(renamed.id).not.toBe(first.id);
  expect((await api('GET', `/repo/v1/entity/${first.id!}`)).json.versionNumber).toBe(1);
  expect(await storedSha('/syn123/b.bin')).toBe(sha(v1.data));
});

it("'replace' onto a folder's name is a name conflict; the folder is untouched", async () => {
  const p = synapseClient(em, http);
  const inner = await localFile(dir, 'inner.bin', PART, 6);
  await drive(p, jobFor(inner, '/results/inner.bin'), inner.data);
  const f = await localFile(dir, 'results.bin', PART, 7);
  const err = await drive(p, jobFor(f, '/results', 'replace'), f.data).catch((e: unknown) => e);
  expect(isFerryError(err) && err.code).toBe('name-conflict');
  expect(isFerryError(err) && err.message).toMatch(/"results".*folder/i);
  expect(isFerryError(err) && err.message).not.toContain(em.token);
  expect(await storedSha('/syn123/results/inner.bin')).toBe(sha(inner.data));
});

it('a stale etag (412): the entity is read again once and the replace succeeds', async () => {
  const p = synapseClient(em, http);
  const v1 = await localFile(dir, 'c1.bin', PART, 8);
  const first = await drive(p, jobFor(v1, '/c.bin'), v1.data);
  // Someone changes the entity between our GET and our PUT: the first PUT is refused.
  em.inject({ method: 'PUT', path: `/repo/v1/entity/${first.id!}`, times: 1, action: { kind: 'respond', status: 412, body: JSON.stringify({ reason: `Object: ${first.id!} was updated since you last fetched it, retrieve it again and re-apply the update` }) } });
  const v2 = await localFile(dir, 'c2.bin', PART + 3, 9);
  const second = await drive(p, jobFor(v2, '/c.bin', 'replace'), v2.data);
  expect(second.id).toBe(first.id);
  expect(second.version).toBe(2);
  const entityCalls = em.requests().filter((r) => r.path === `/repo/v1/entity/${first.id!}`);
  expect(entityCalls.filter((r) => r.method === 'GET')).toHaveLength(2);
  expect(entityCalls.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([412, 200]);
  expect(await storedSha('/syn123/c.bin')).toBe(sha(v2.data));
});

it('an etag that keeps changing: a clear error after one re-read, the old version stays', async () => {
  const p = synapseClient(em, http);
  const v1 = await localFile(dir, 'd1.bin', PART, 10);
  const first = await drive(p, jobFor(v1, '/d.bin'), v1.data);
  em.inject({ method: 'PUT', path: `/repo/v1/entity/${first.id!}`, times: 2, action: { kind: 'respond', status: 412, body: JSON.stringify({ reason: 'Object was updated since you last fetched it' }) } });
  const v2 = await localFile(dir, 'd2.bin', PART, 11);
  const err = await drive(p, jobFor(v2, '/d.bin', 'replace'), v2.data).catch((e: unknown) => e);
  expect(isFerryError(err) && err.code).toBe('rejected');
  expect(isFerryError(err) && err.message).toMatch(/d\.bin.*changed/);
  expect(isFerryError(err) && err.message).not.toContain(em.token);
  expect(em.requests().filter((r) => r.method === 'PUT' && r.path === `/repo/v1/entity/${first.id!}`)).toHaveLength(2);
  expect(await storedSha('/syn123/d.bin')).toBe(sha(v1.data));
});

it('emulator: PUT /entity/{id} checks the etag (412), requires it (400), versions on a new file handle', async () => {
  const p = synapseClient(em, http);
  const v1 = await localFile(dir, 'e1.bin', PART, 12);
  const v2 = await localFile(dir, 'e2.bin', PART, 13);
  const first = await drive(p, jobFor(v1, '/e.bin'), v1.data);
  // A second file handle, by way of a rename upload (its entity is irrelevant here).
  const other = await drive(p, jobFor(v2, '/e-other.bin'), v2.data);
  const h2 = (await api('GET', `/repo/v1/entity/${other.id!}`)).json.dataFileHandleId;

  const e = (await api('GET', `/repo/v1/entity/${first.id!}`)).json;
  const noEtag = await api('PUT', `/repo/v1/entity/${first.id!}`, { ...e, etag: undefined, dataFileHandleId: h2 });
  expect(noEtag.status).toBe(400);
  expect(noEtag.json.reason).toBe('The eTag of the node is required.');
  const stale = await api('PUT', `/repo/v1/entity/${first.id!}`, { ...e, etag: 'not-the-etag', dataFileHandleId: h2 });
  expect(stale.status).toBe(412);
  expect(stale.json.reason).toBe(`Object: ${first.id!} was updated since you last fetched it, retrieve it again and re-apply the update`);

  const ok = await api('PUT', `/repo/v1/entity/${first.id!}`, { ...e, dataFileHandleId: h2 });
  expect(ok.status).toBe(200);
  expect(ok.json.versionNumber).toBe(2);
  expect(ok.json.versionLabel).toBe('2');
  expect(ok.json.etag).not.toBe(e.etag);
  // The old etag is stale now.
  expect((await api('PUT', `/repo/v1/entity/${first.id!}`, { ...e, dataFileHandleId: h2 })).status).toBe(412);
  // An update that keeps the file handle makes no version; newVersion=true forces one.
  const same = await api('PUT', `/repo/v1/entity/${first.id!}`, { ...ok.json, versionComment: 'note' });
  expect(same.json.versionNumber).toBe(2);
  const forced = await api('PUT', `/repo/v1/entity/${first.id!}?newVersion=true`, { ...same.json, versionLabel: 'v3' });
  expect(forced.json.versionNumber).toBe(3);
  expect(forced.json.versionLabel).toBe('v3');
});
