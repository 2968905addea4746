// Turning a complete resumable upload into a Redivis upload on its table: `POST .../uploads`
// with the resumable upload's id, then polling the upload until Redivis has processed it.
// A name already taken on the table is settled by the transfer's conflict policy.
import { FerryError } from '../../common/errors.js';
import type { ConflictPolicy } from '../../common/transfer.js';
import type { Http } from '../../engine/http.js';
import type { Clock } from '../../engine/ports.js';
import type { Json } from '../../engine/provider.js';
import { jsonBody, redactUrl } from '../shared/http-status.js';
import { failure } from './client-answers.js';
import type { UploadResource } from './wire.js';

export interface FinalizeDeps {
  http: Http;
  clock: Clock;
  /** API base ending in `/api/v1`. */
  api: string;
  headers: () => Record<string, string>;
  pollIntervalMs: number;
  pollAttempts: number;
  /** Extra upload metadata from the `metadata` option (type, delimiter, hasHeaderRow, ...). */
  metadata: Record<string, Json>;
}

export interface FinalizeRequest {
  table: string;
  name: string;
  resumableUploadId: string;
  conflict: ConflictPolicy;
  file: string;
}

/** Most renames tried when the name is taken ("a (1).csv", "a (2).csv", ...). */
const MAX_RENAMES = 50;

export async function finalizeUpload(d: FinalizeDeps, r: FinalizeRequest, signal: AbortSignal): Promise<UploadResource> {
  let name = r.name;
  let replaced = false;
  for (let n = 1; ; n++) {
    const url = `${d.api}/tables/${encodeURIComponent(r.table)}/uploads`;
    const call = { method: 'POST', url, doing: `creating upload "${name}" on Redivis table ${r.table}`, file: r.file };
    const res = await d.http.request({
      method: 'POST', url, signal,
      headers: { ...d.headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ ...d.metadata, name, resumableUploadId: r.resumableUploadId }),
    });
    if (res.status === 200 || res.status === 201) return checkUpload(jsonBody<UploadResource>(res, call), call);
    if (res.status !== 409 || r.conflict === 'fail' || n > MAX_RENAMES) throw failure(res, call);
    if (r.conflict === 'replace') {
      if (replaced) throw failure(res, call);
      await deleteUpload(d, r.table, name, r.file, signal);
      replaced = true;
    } else {
      name = renamed(r.name, n);
    }
  }
}

async function deleteUpload(d: FinalizeDeps, table: string, name: string, file: string, signal: AbortSignal): Promise<void> {
  const url = `${d.api}/tables/${encodeURIComponent(table)}/uploads/${encodeURIComponent(name)}`;
  const res = await d.http.request({ method: 'DELETE', url, signal, headers: d.headers() });
  if (res.status >= 300 && res.status !== 404) throw failure(res, { method: 'DELETE', url, doing: `replacing upload "${name}" on Redivis table ${table}`, file });
}

/** Polls `GET {upload.uri}` until `completed` (or `failed`), at most `pollAttempts` times. */
export async function awaitProcessed(d: FinalizeDeps, first: UploadResource, table: string, file: string, signal: AbortSignal): Promise<UploadResource> {
  let u = first;
  for (let i = 0; i < d.pollAttempts; i++) {
    if (u.status === 'completed') return u;
    if (u.status === 'failed') {
      throw new FerryError('rejected', `Redivis could not import "${u.name}" into table ${table}: ${u.errorMessage ?? 'no reason given'}`, { file, serverCode: 'failed' });
    }
    await d.clock.sleep(d.pollIntervalMs, signal).catch(() => {
      throw new FerryError('cancelled', 'waiting for Redivis to process the upload was cancelled');
    });
    const url = `${d.api}${u.uri}`;
    const call = { method: 'GET', url, doing: `checking upload "${u.name}" on Redivis table ${table}`, file };
    const res = await d.http.request({ method: 'GET', url, signal, headers: d.headers() });
    if (res.status !== 200) throw failure(res, call);
    u = checkUpload(jsonBody<UploadResource>(res, call), call);
  }
  if (u.status === 'completed') return u;
  // Transient: the engine asks again later; finalizing the same resumable upload again returns this upload.
  throw new FerryError('server-error', `Redivis is still processing "${u.name}" on table ${table} (status ${u.status}) after ${d.pollAttempts} checks`, { file, url: redactUrl(`${d.api}${u.uri}`) });
}

function checkUpload(u: UploadResource, c: { method: string; url: string; doing: string }): UploadResource {
  if (!u || u.kind !== 'upload' || typeof u.uri !== 'string' || typeof u.name !== 'string' || typeof u.status !== 'string') {
    throw new FerryError('protocol', `${c.doing}: the answer is not an upload resource`, { method: c.method, url: redactUrl(c.url) });
  }
  return u;
}

export function renamed(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}
