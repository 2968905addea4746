// Redivis provider client (protocols.md 3). Redivis hands out Google Cloud Storage resumable
// session URIs: the session is started in one of two flows (client-create.ts; default
// 'tempUploads', the official clients' current one), chunks go there with GCS's protocol (308 +
// Range while incomplete, any 2xx on the last byte), then the upload is created on the table and
// polled until Redivis has processed it (client-finalize.ts).
//
// Where a file goes: with the `table` option set (a table reference such as
// `user.dataset.table`), the upload is named after the last segment of the remote path (Redivis
// uploads have no folders). Without it, the remote path must be `/<table reference>/<file name>`.
// Either way the finished file is reported as `/<table>/<name>`.
//
// Options (strings): `table`; `uploadFlow` ('tempUploads' | 'resumableUpload'); `metadata`, a
// JSON object merged into the upload's create body (e.g. `{"type":"delimited"}`);
// `pollIntervalMs` (default 2000, as the Python client) and `pollAttempts` (default 900).
//
// The bearer token goes only to URLs under the API base, never to the session URI or a temp
// upload URL on another host: those are capabilities (signed URLs), and GCS needs no token there.
import { FerryError } from '../../common/errors.js';
import type { CancelOutcome, Chunk, Json, Provider, ProviderFactoryOptions, RemoteFile, SendContext, ServerState, Session, UploadJob } from '../../engine/provider.js';
import { chunkBody, chunkLength } from '../shared/chunk-body.js';
import { redivisApiBase } from './base-url.js';
import { failure, sessionState, type Call, type Stored } from './client-answers.js';
import { sessionRef, startSession, UPLOAD_FLOWS, type RedivisSessionRef, type UploadFlow } from './client-create.js';
import { awaitProcessed, finalizeUpload, type FinalizeDeps } from './client-finalize.js';
import { verifiedResult } from './client-verify.js';
import { contentRange, DEFAULT_CHUNK, GRANULE, MAX_CHUNK, REDIVIS_SESSION_TTL_MS, type UploadResource } from './wire.js';

export type { RedivisSessionRef } from './client-create.js';

export function createRedivisProvider(o: ProviderFactoryOptions): Provider {
  const opts = o.options ?? {};
  const api = redivisApiBase(o.endpoint.url);
  const flow = flowOption(opts['uploadFlow']);
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${o.endpoint.token}` });
  const headersFor = (url: string): Record<string, string> => (url.startsWith(`${api}/`) ? auth() : {});
  const fin: FinalizeDeps = {
    http: o.http, clock: o.clock, api, headers: auth,
    pollIntervalMs: positiveInt(opts, 'pollIntervalMs', 2000, 0),
    pollAttempts: positiveInt(opts, 'pollAttempts', 900, 1),
    metadata: metadataOption(opts['metadata']),
  };
  // Uploads this client created, by session: a later finish (polling ran out) polls the same
  // upload instead of creating another one from an already used temp upload.
  const created = new Map<string, UploadResource>();

  const target = (job: UploadJob): { table: string; name: string } => {
    const parts = job.target.remotePath.split('/').filter((p) => p !== '');
    if (opts['table']) return { table: opts['table'], name: parts.at(-1) ?? job.file.name };
    if (parts.length !== 2) {
      throw new FerryError('bad-input', `Redivis: remote path "${job.target.remotePath}" of ${job.file.path} must be /<table reference>/<file name>, or the target needs a "table" option`, { file: job.file.path });
    }
    return { table: parts[0]!, name: parts[1]! };
  };

  // CRC32C first: GCS reports it for every object (composite ones have nothing else) and the
  // engine computes it at memory speed, where MD5 costs about 1.4 s of CPU per GiB.
  const toRemote = (ref: RedivisSessionRef, job: UploadJob) => (s: Stored): RemoteFile => ({
    path: `/${ref.table}/${ref.name}`, size: s.size ?? job.file.size,
    ...(s.crc32c ? { hash: { algorithm: 'crc32c' as const, value: s.crc32c } } : s.md5 ? { hash: { algorithm: 'md5' as const, value: s.md5 } } : {}),
  });

  const status = async (session: Session, job: UploadJob, signal: AbortSignal): Promise<ServerState> => {
    const ref = sessionRef(session.ref);
    const call: Call = { method: 'PUT', url: ref.url, doing: `asking Redivis how much of ${job.file.name} it holds`, file: job.file.path };
    const res = await o.http.request({ method: 'PUT', url: ref.url, signal, headers: { 'content-range': contentRange(0, 0, job.file.size) }, body: Buffer.alloc(0) });
    return sessionState(res, call, toRemote(ref, job));
  };

  return {
    id: 'redivis',
    rules: { min: GRANULE, max: MAX_CHUNK, align: GRANULE, defaultSize: DEFAULT_CHUNK },
    integrity: 'crc32c',
    ordered: true,
    // Chunks may be streamed from the file (Chunk.body): large chunks cost no memory.
    streamsChunks: true,

    async create(job, signal) {
      const { table, name } = target(job);
      const started = o.clock.now();
      const ref = await startSession({ http: o.http, api, headersFor }, flow, job, table, name, signal);
      return { ref: ref as unknown as Json, chunkSize: job.chunkSize, expiresAt: started + REDIVIS_SESSION_TTL_MS };
    },

    status,

    async sendChunk(session: Session, job: UploadJob, chunk: Chunk, ctx: SendContext) {
      const ref = sessionRef(session.ref);
      const length = chunkLength(chunk);
      const range = contentRange(chunk.offset, length, job.file.size);
      const what = length === 0 ? 'the empty file' : `bytes ${chunk.offset}-${chunk.offset + length - 1}`;
      const call: Call = { method: 'PUT', url: ref.url, doing: `uploading ${what} of ${job.file.name} to Redivis table ${ref.table}`, file: job.file.path };
      const res = await o.http.request({
        method: 'PUT', url: ref.url, signal: ctx.signal, headers: { 'content-range': range }, body: chunkBody(chunk),
        ...(ctx.onSent ? { onSent: ctx.onSent } : {}),
      });
      const st = sessionState(res, call, toRemote(ref, job));
      const end = chunk.offset + length;
      if (st.kind === 'complete' && end < job.file.size) {
        // GCS answers a non-final chunk with 308, but Redivis's page says every chunk gets "an empty
        // body with a status of 200": believe neither reading blindly, ask the session what it holds.
        throw new FerryError('offset-mismatch', `${call.doing}: the server answered HTTP ${res.status} before the last byte (${end} of ${job.file.size}); asking it what it holds`, { file: job.file.path, status: res.status });
      }
      return st;
    },

    async finish(session, job, _digests, signal) {
      const ref = sessionRef(session.ref);
      let stored = job.completed;
      if (!stored) {
        const st = await status(session, job, signal);
        if (st.kind !== 'complete') {
          const held = st.kind === 'offset' ? st.offset : 0;
          throw new FerryError('offset-mismatch', `Redivis holds ${held} of ${job.file.size} bytes of ${job.file.name}; the rest must be sent before it can be added to table ${ref.table}`, { file: job.file.path, offset: held });
        }
        stored = st.result;
      }
      const key = `${ref.flow}:${ref.id}`;
      let upload = created.get(key);
      if (!upload) {
        upload = await finalizeUpload(fin, { table: ref.table, name: ref.name, flow: ref.flow, uploadId: ref.id, conflict: job.target.conflict, file: job.file.path }, signal);
        created.set(key, upload);
      }
      const done = await awaitProcessed(fin, upload, ref.table, job.file.path, signal);
      return verifiedResult(stored, done, ref.table, job);
    },

    async cancel(session, job, signal): Promise<CancelOutcome> {
      const ref = sessionRef(session.ref);
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

function flowOption(v: string | undefined): UploadFlow {
  if (v === undefined || v === '') return 'tempUploads';
  if ((UPLOAD_FLOWS as readonly string[]).includes(v)) return v as UploadFlow;
  throw new FerryError('bad-input', `Redivis option uploadFlow must be ${UPLOAD_FLOWS.map((f) => `"${f}"`).join(' or ')}, got "${v}"`);
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
