// Starting a Redivis upload session, in either of the API's two flows.
//
// 'tempUploads' (default; what redivis-python and redivis-r do since 2024, `classes/Upload.py`
// `Upload.create`, `common/retryable_upload.py initiate_resumable_upload`, `R/retryable_upload.R`):
// `POST {api}/tables/{t}/tempUploads` with `{tempUploads:[{size, name, resumable}]}` answers
// `{results:[{id, url, resumable, ...}]}`; then `POST {url}` with `x-goog-resumable: start` and
// `x-upload-content-length` (GCS XML-API initiation of a signed URL) answers the session URI in
// `Location`. The upload is later created with `tempUploadId`.
//
// 'resumableUpload' (the seed document, provider-docs/redivis-createResumableUpload.txt):
// `POST {api}/tables/{t}/resumableUpload?size=N` answers `{id, url}` with a ready session URI;
// the upload is later created with `resumableUploadId`.
import { FerryError } from '../../common/errors.js';
import type { Http } from '../../engine/http.js';
import type { UploadJob } from '../../engine/provider.js';
import { jsonBody, redactUrl } from '../shared/http-status.js';
import { failure, type Call } from './client-answers.js';
import type { ResumableUpload, TempUploadList } from './wire.js';

export type UploadFlow = 'tempUploads' | 'resumableUpload';
export const UPLOAD_FLOWS: readonly UploadFlow[] = ['tempUploads', 'resumableUpload'];

export interface RedivisSessionRef {
  flow: UploadFlow;
  /** The temp upload's or resumable upload's id, as the upload create body wants it. */
  id: string;
  /** Session URI; its query string is a capability (never logged: errors carry redactUrl). */
  url: string;
  table: string;
  name: string;
}

export interface CreateDeps {
  http: Http;
  /** API base ending in `/api/v1`. */
  api: string;
  /** Headers for a URL: the bearer only for URLs under the API base. */
  headersFor: (url: string) => Record<string, string>;
}

export async function startSession(d: CreateDeps, flow: UploadFlow, job: UploadJob, table: string, name: string, signal: AbortSignal): Promise<RedivisSessionRef> {
  const size = job.file.size;
  const file = job.file.path;
  const doing = `starting the upload of ${job.file.name} to Redivis table ${table}`;
  if (flow === 'resumableUpload') {
    const url = `${d.api}/tables/${encodeURIComponent(table)}/resumableUpload?size=${size}`;
    const call: Call = { method: 'POST', url, doing, file };
    const res = await d.http.request({ method: 'POST', url, signal, headers: d.headersFor(url) });
    if (res.status !== 200 && res.status !== 201) throw failure(res, call);
    const r = jsonBody<ResumableUpload>(res, call);
    if (!r || typeof r.id !== 'string' || !isHttpUrl(r.url)) throw noAnswer(call, res.status, 'resumable upload id and url');
    return { flow, id: r.id, url: r.url, table, name };
  }
  const url = `${d.api}/tables/${encodeURIComponent(table)}/tempUploads`;
  const call: Call = { method: 'POST', url, doing, file };
  // Ferry always uploads in chunks, so it always asks for a resumable temp upload (the Python
  // client asks only from 32 MiB on, and PUTs smaller files whole).
  const res = await d.http.request({
    method: 'POST', url, signal, headers: { ...d.headersFor(url), 'content-type': 'application/json' },
    body: JSON.stringify({ tempUploads: [{ size, name, resumable: true }] }),
  });
  if (res.status !== 200 && res.status !== 201) throw failure(res, call);
  const t = jsonBody<TempUploadList>(res, call)?.results?.[0];
  if (!t || (typeof t.id !== 'string' && typeof t.id !== 'number') || !isHttpUrl(t.url)) throw noAnswer(call, res.status, 'temp upload id and url');
  if (t.resumable === false) {
    throw new FerryError('protocol', `${doing}: Redivis offered a non-resumable temp upload although a resumable one was asked for`, { method: 'POST', url: redactUrl(url), file });
  }
  const init: Call = { method: 'POST', url: t.url, doing: `opening the upload session for ${job.file.name}`, file };
  const started = await d.http.request({
    method: 'POST', url: t.url, signal, body: Buffer.alloc(0),
    headers: { ...d.headersFor(t.url), 'x-goog-resumable': 'start', 'x-upload-content-length': String(size) },
  });
  // GCS's XML API documents 201 Created; its JSON API answers 200 (protocols.md 3.5): take both.
  if (started.status !== 200 && started.status !== 201) throw failure(started, init);
  const location = started.headers['location'];
  const session = location ? new URL(location, t.url).toString() : undefined;
  if (!session || !isHttpUrl(session)) throw noAnswer(init, started.status, 'Location header with the session URI');
  return { flow, id: String(t.id), url: session, table, name };
}

function isHttpUrl(v: unknown): v is string {
  return typeof v === 'string' && /^https?:\/\//.test(v);
}

function noAnswer(c: Call, status: number, what: string): FerryError {
  return new FerryError('protocol', `${c.doing}: the answer has no ${what}`, { method: c.method, url: redactUrl(c.url), status, ...(c.file ? { file: c.file } : {}) });
}

export function sessionRef(ref: unknown): RedivisSessionRef {
  const r = ref as Partial<RedivisSessionRef> | null;
  if (!r || typeof r !== 'object' || typeof r.id !== 'string' || typeof r.url !== 'string' || typeof r.table !== 'string' || typeof r.name !== 'string') {
    throw new FerryError('internal', 'Redivis: the saved upload session reference is not one this client made');
  }
  // References saved before the tempUploads flow existed carry no flow: they are resumableUpload ones.
  return { ...(r as RedivisSessionRef), flow: r.flow === 'tempUploads' ? 'tempUploads' : 'resumableUpload' };
}
