// Turning a complete upload session into a Redivis upload on its table: settle the name the way
// the official client does (`HEAD {table}/uploads/{segment}`; `DELETE` there to replace:
// redivis-python `src/redivis/classes/Upload.py` `exists`, `delete`, `create`), then
// `POST .../uploads` with the session's id, then poll the upload until Redivis has processed it.
// A 409 on create (never documented) is still settled by the policy, as a fallback.
import { FerryError } from '../../common/errors.js';
import type { ConflictPolicy } from '../../common/transfer.js';
import type { Http, HttpResponse } from '../../engine/http.js';
import type { Clock } from '../../engine/ports.js';
import type { Json } from '../../engine/provider.js';
import { jsonBody, redactUrl } from '../shared/http-status.js';
import { failure } from './client-answers.js';
import type { UploadFlow } from './client-create.js';
import { uploadNameSegment, type UploadResource } from './wire.js';

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
  flow: UploadFlow;
  /** The temp upload's or resumable upload's id. */
  uploadId: string;
  conflict: ConflictPolicy;
  file: string;
}

/** Most renames tried when the name is taken ("a (1).csv", "a (2).csv", ...). */
const MAX_RENAMES = 50;

export async function finalizeUpload(d: FinalizeDeps, r: FinalizeRequest, signal: AbortSignal): Promise<UploadResource> {
  const free = await freeName(d, r, signal);
  let name = free.name;
  let replaced = free.replaced;
  for (let n = 1; ; n++) {
    const url = `${d.api}/tables/${encodeURIComponent(r.table)}/uploads`;
    const call = { method: 'POST', url, doing: `creating upload "${name}" on Redivis table ${r.table}`, file: r.file };
    const idField = r.flow === 'tempUploads' ? 'tempUploadId' : 'resumableUploadId';
    const res = await d.http.request({
      method: 'POST', url, signal,
      headers: { ...d.headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ ...d.metadata, name, [idField]: r.uploadId }),
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

/** The name to create under: the asked one, or by the policy when an upload of that name exists. */
async function freeName(d: FinalizeDeps, r: FinalizeRequest, signal: AbortSignal): Promise<{ name: string; replaced: boolean }> {
  if (!(await uploadExists(d, r.table, r.name, r.file, signal))) return { name: r.name, replaced: false };
  if (r.conflict === 'fail') {
    throw new FerryError('name-conflict', `An upload named "${r.name}" already exists on Redivis table ${r.table}; choose "replace" or "rename" to upload ${r.file} anyway`, { file: r.file, serverCode: 'exists' });
  }
  if (r.conflict === 'replace') {
    await deleteUpload(d, r.table, r.name, r.file, signal);
    return { name: r.name, replaced: true };
  }
  for (let n = 1; n <= MAX_RENAMES; n++) {
    const candidate = renamed(r.name, n);
    if (!(await uploadExists(d, r.table, candidate, r.file, signal))) return { name: candidate, replaced: false };
  }
  throw new FerryError('name-conflict', `Redivis table ${r.table} already has "${r.name}" and ${MAX_RENAMES} renamed copies of it`, { file: r.file });
}

function nameUrl(d: FinalizeDeps, table: string, name: string): string {
  return `${d.api}/tables/${encodeURIComponent(table)}/uploads/${uploadNameSegment(name)}`;
}

async function uploadExists(d: FinalizeDeps, table: string, name: string, file: string, signal: AbortSignal): Promise<boolean> {
  const url = nameUrl(d, table, name);
  const res = await d.http.request({ method: 'HEAD', url, signal, headers: d.headers() });
  if (res.status === 200 || res.status === 204) return true;
  if (res.status === 404) return false;
  throw failure(headErrorAsBody(res), { method: 'HEAD', url, doing: `checking whether "${name}" exists on Redivis table ${table}`, file });
}

/** A HEAD answer has no body: Redivis puts its error there in `X-REDIVIS-ERROR-PAYLOAD` (redivis-python `common/api_request.py`). */
function headErrorAsBody(res: HttpResponse): HttpResponse {
  const payload = res.headers['x-redivis-error-payload'];
  if (payload === undefined || res.body.length > 0) return res;
  let text: string;
  try {
    text = decodeURIComponent(payload);
  } catch {
    return res;
  }
  const body = Buffer.from(text);
  return { ...res, body, text: () => text, json: <T>() => JSON.parse(text) as T };
}

async function deleteUpload(d: FinalizeDeps, table: string, name: string, file: string, signal: AbortSignal): Promise<void> {
  const url = nameUrl(d, table, name);
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
  // Transient: the engine asks again later, and the client polls this same upload then (client.ts).
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
