// A Synapse client driven straight against the Synapse emulator, without the engine: files in a
// temp dir, a job like the engine's, and a loop that sends what the server lacks and finishes.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import type { Http } from '../../app/engine/http.js';
import type { Provider, RemoteFile, ServerState, UploadJob } from '../../app/engine/provider.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { systemClock } from '../../app/node/system-clock.js';
import { createSynapseProvider } from '../../app/providers/synapse/client.js';

export const PART = 64 * 1024;

export interface LocalTestFile {
  path: string;
  data: Buffer;
  md5: string;
  sha256: string;
}

export async function localFile(dir: string, name: string, size: number, seed = 1): Promise<LocalTestFile> {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
  const path = join(dir, name);
  await fsp.writeFile(path, data);
  return { path, data, md5: createHash('md5').update(data).digest('hex'), sha256: createHash('sha256').update(data).digest('hex') };
}

export function jobFor(f: LocalTestFile, remotePath: string, conflict: ConflictPolicy = 'fail'): UploadJob {
  return { file: { path: f.path, name: remotePath.split('/').pop()!, size: f.data.length, mtimeMs: 0 }, target: { remotePath, conflict }, chunkSize: PART, digests: { md5: f.md5 } };
}

export function synapseClient(em: RunningEmulator, http: Http, o: { url?: string; options?: Record<string, string> } = {}): Provider {
  return createSynapseProvider({ endpoint: { url: o.url ?? em.url, token: em.token }, http, clock: systemClock, options: { partSize: String(PART), parentId: 'syn123', ...o.options } });
}

/** Sends every part the server lacks, then finishes. */
export async function drive(p: Provider, job: UploadJob, data: Buffer): Promise<RemoteFile> {
  const signal = AbortSignal.timeout(30_000);
  const s = await p.create(job, signal);
  let st: ServerState = s.initial ?? { kind: 'parts', have: [] };
  const n = Math.max(1, Math.ceil(data.length / s.chunkSize));
  for (let i = 0; i < n && st.kind !== 'complete'; i++) {
    if (st.kind === 'parts' && st.have.includes(i)) continue;
    const chunk = { index: i, offset: i * s.chunkSize, data: data.subarray(i * s.chunkSize, Math.min(data.length, (i + 1) * s.chunkSize)), final: i === n - 1 };
    st = (await p.sendChunk(s, job, chunk, { signal })) ?? st;
  }
  return p.finish(s, job, { md5: job.digests.md5! }, signal);
}

/** Asks the emulator, over Synapse's own API, which storage location holds an entity's file. */
export async function storageLocationOf(em: RunningEmulator, entityId: string): Promise<number> {
  const get = async (path: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${em.url}${path}`, { headers: { authorization: `Bearer ${em.token}` }, signal: AbortSignal.timeout(5_000) });
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const entity = await get(`/repo/v1/entity/${entityId}`);
  const handle = await get(`/file/v1/fileHandle/${String(entity.dataFileHandleId)}`);
  return handle.storageLocationId as number;
}
