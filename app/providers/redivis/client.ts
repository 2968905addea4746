// Redivis provider client (protocols.md 3): `POST /api/v1/tables/{table}/resumableUpload?size=N`
// hands out a Google Cloud Storage resumable session URI; chunks go there with GCS's protocol
// (308 + Range while incomplete, 200 + object on the last byte); then `POST .../uploads` with the
// resumable upload's id creates the table upload, polled until Redivis has processed it.
//
// Where a file goes: with the `table` option set (a table reference such as
// `user.dataset.table`), the upload is named after the last segment of the remote path (Redivis
// uploads have no folders). Without it, the remote path must be `/<table reference>/<file name>`.
// Either way the finished file is reported as `/<table>/<name>`.
//
// Options (strings): `table`; `metadata`, a JSON object merged into the upload's create body
// (e.g. `{"type":"delimited","hasHeaderRow":true}`); `pollIntervalMs` (default 2000, as the
// Redivis Python client) and `pollAttempts` (default 900, about 30 minutes) for processing.
//
// The bearer token goes only to the Redivis API, never to the session URI: that URI is a
// capability on another host (GCS), and GCS needs no Authorization there.
import { FerryError } from '../../common/errors.js';
import type { CancelOutcome, Chunk, Json, Provider, ProviderFactoryOptions, RemoteFile, SendContext, ServerState, Session, UploadJob } from '../../engine/provider.js';
import { jsonBody } from '../shared/http-status.js';
import { failure, md5Hex, sessionState, type Call } from './client-answers.js';
import { awaitProcessed, finalizeUpload, type FinalizeDeps } from './client-finalize.js';
import { contentRange, DEFAULT_CHUNK, GRANULE, MAX_CHUNK, REDIVIS_SESSION_TTL_MS, type GcsObject, type ResumableUpload } from './wire.js';

export interface RedivisSessionRef {
  id: string;
  /** Session URI; its query string is a capability (never logged: errors carry redactUrl). */
  url: string;
  table: string;
  name: string;
}

export function createRedivisProvider(o: ProviderFactoryOptions): Provider {
  const opts = o.options ?? {};
  const base = o.endpoint.url.replace(/\/+$/, '');
  const api = base.endsWith('/api/v1') ? base : `${base}/api/v1`;
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${o.endpoint.token}` });
  const fin: FinalizeDeps = {
    http: o.http, clock: o.clock, api, headers: auth,
    pollIntervalMs: positiveInt(opts, 'pollIntervalMs', 2000, 0),
    pollAttempts: positiveInt(opts, 'pollAttempts', 900, 1),
    metadata: metadataOption(opts['metadata']),
  };

  const target = (job: UploadJob): { table: string; name: string } => {
    const parts = job.target.remotePath.split('/').filter((p) => p !== '');
    if (opts['table']) return { table: opts['table'], name: parts.at(-1) ?? job.file.name };
    if (parts.length !== 2) {
      throw new FerryError('bad-input', `Redivis: remote path "${job.target.remotePath}" of ${job.file.path} must be /<table reference>/<file name>, or the target needs a "table" option`, { file: job.file.path });
    }
    return { table: parts[0]!, name: parts[1]! };
  };

  const toRemote = (ref: RedivisSessionRef) => (obj: GcsObject): RemoteFile => {
    const md5 = md5Hex(obj.md5Hash);
    return { path: `/${ref.table}/${ref.name}`, size: Number(obj.size), ...(md5 ? { hash: { algorithm: 'md5' as const, value: md5 } } : {}) };
  };

  const status = async (session: Session, job: UploadJob, signal: AbortSignal): Promise<ServerState> => {
    const ref = sessionRef(session);
    const call: Call = { method: 'PUT', url: ref.url, doing: `asking Redivis how much of ${job.file.name} it holds`, file: job.file.path };
    const res = await o.http.request({ method: 'PUT', url: ref.url, signal, headers: { 'content-range': contentRange(0, 0, job.file.size) }, body: Buffer.alloc(0) });
    return sessionState(res, call, toRemote(ref));
  };

  return {
    id: 'redivis',
    rules: { min: GRANULE, max: MAX_CHUNK, align: GRANULE, defaultSize: DEFAULT_CHUNK },
    integrity: 'md5',
    ordered: true,

    async create(job, signal) {
      const { table, name } = target(job);
      const url = `${api}/tables/${encodeURIComponent(table)}/resumableUpload?size=${job.file.size}`;
      const call: Call = { method: 'POST', url, doing: `starting the upload of ${job.file.name} to Redivis table ${table}`, file: job.file.path };
      const started = o.clock.now();
      const res = await o.http.request({ method: 'POST', url, signal, headers: auth() });
      if (res.status !== 200 && res.status !== 201) throw failure(res, call);
      const r = jsonBody<ResumableUpload>(res, call);
      if (!r || typeof r.id !== 'string' || typeof r.url !== 'string' || !/^https?:\/\//.test(r.url)) {
        throw new FerryError('protocol', `${call.doing}: the answer has no resumable upload id and url`, { method: 'POST', status: res.status, file: job.file.path });
      }
      const ref: RedivisSessionRef = { id: r.id, url: r.url, table, name };
      return { ref: ref as unknown as Json, chunkSize: job.chunkSize, expiresAt: started + REDIVIS_SESSION_TTL_MS };
    },

    status,

    async sendChunk(session: Session, job: UploadJob, chunk: Chunk, ctx: SendContext) {
      const ref = sessionRef(session);
      const range = contentRange(chunk.offset, chunk.data.length, job.file.size);
      const what = chunk.data.length === 0 ? 'the empty file' : `bytes ${chunk.offset}-${chunk.offset + chunk.data.length - 1}`;
      const call: Call = { method: 'PUT', url: ref.url, doing: `uploading ${what} of ${job.file.name} to Redivis table ${ref.table}`, file: job.file.path };
      const res = await o.http.request({
        method: 'PUT', url: ref.url, signal: ctx.signal, headers: { 'content-range': range }, body: chunk.data,
        ...(ctx.onSent ? { onSent: ctx.onSent } : {}),
      });
      return sessionState(res, call, toRemote(ref));
    },

    async finish(session, job, _digests, signal) {
      const ref = sessionRef(session);
      let stored = job.completed;
      if (!stored) {
        const st = await status(session, job, signal);
        if (st.kind !== 'complete') {
          const held = st.kind === 'offset' ? st.offset : 0;
          throw new FerryError('offset-mismatch', `Redivis holds ${held} of ${job.file.size} bytes of ${job.file.name}; the rest must be sent before it can be added to table ${ref.table}`, { file: job.file.path, offset: held });
        }
        stored = st.result;
      }
      const created = await finalizeUpload(fin, { table: ref.table, name: ref.name, resumableUploadId: ref.id, conflict: job.target.conflict, file: job.file.path }, signal);
      const done = await awaitProcessed(fin, created, ref.table, job.file.path, signal);
      return { ...(stored ?? {}), path: `/${ref.table}/${done.name}`, id: done.uri, size: stored?.size ?? done.size };
    },

    async cancel(session, job, signal): Promise<CancelOutcome> {
      const ref = sessionRef(session);
      const res = await o.http.request({ method: 'DELETE', url: ref.url, signal });
      // GCS answers a cancelled session with 499; a session already gone is as good as deleted.
      if ([499, 204, 200, 404, 410].includes(res.status)) return { deleted: true };
      if (res.status >= 500 || res.status === 429 || res.status === 408) {
        throw failure(res, { method: 'DELETE', url: ref.url, doing: `cancelling the upload of ${job.file.name}`, file: job.file.path });
      }
      return { deleted: false, why: `the server answered HTTP ${res.status} to the cancel` };
    },
  };
}

function sessionRef(s: Session): RedivisSessionRef {
  const r = s.ref as Partial<RedivisSessionRef> | null;
  if (!r || typeof r !== 'object' || typeof r.id !== 'string' || typeof r.url !== 'string' || typeof r.table !== 'string' || typeof r.name !== 'string') {
    throw new FerryError('internal', 'Redivis: the saved upload session reference is not one this client made');
  }
  return r as RedivisSessionRef;
}

function positiveInt(opts: Record<string, string>, key: string, dflt: number, min: number): number {
  const v = opts[key];
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new FerryError('bad-input', `Redivis option ${key} must be a whole number ≥ ${min}, got "${v}"`);
  return Number(v);
}

function metadataOption(v: string | undefined): Record<string, Json> {
  if (v === undefined || v === '') return {};
  try {
    const m = JSON.parse(v) as unknown;
    if (m && typeof m === 'object' && !Array.isArray(m)) return m as Record<string, Json>;
  } catch {
    // reported below
  }
  throw new FerryError('bad-input', 'Redivis option metadata must be a JSON object, e.g. {"type":"delimited"}');
}
