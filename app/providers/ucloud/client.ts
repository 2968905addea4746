// UCloud behind the provider port: `files.createUpload` for a CHUNKED session, then raw-body
// POSTs with token, offset and total size in headers. The protocol cannot report what the
// server holds, so `status` says "unknown" and the engine re-sends the whole chunk at its
// journal offset; the offset header is always the chunk's start (never -1, which would
// duplicate bytes on a retry). The last chunk commits the file; there is no finish call.
import { FerryError } from '../../common/errors.js';
import type { ConflictPolicy } from '../../common/transfer.js';
import type { HttpResponse } from '../../engine/http.js';
import type { CancelOutcome, Chunk, Provider, ProviderFactoryOptions, RemoteFile, Session, UploadJob } from '../../engine/provider.js';
import { jsonBody, redactUrl, statusError } from '../shared/http-status.js';
import { serverNow } from '../shared/server-time.js';
import {
  CREATE_UPLOAD_PATH, RETRIEVE_PATH, DEFAULT_CHUNK_SIZE, HEADER_OFFSET, HEADER_TOKEN, HEADER_TOTAL_SIZE, MAX_CHUNK_SIZE, MIN_SESSION_IDLE_MS,
  type BulkRequest, type BulkResponse, type CommonErrorMessage, type CreateUploadItem, type CreateUploadResponseItem, type UFileLite, type WriteConflictPolicy,
} from './wire.js';

/** What the journal keeps for a UCloud session. The token is a capability: never print it. */
interface UcloudRef {
  endpoint: string;
  token: string;
  /**
   * The server's clock (the `Date` of its createUpload answer) when the session was created, to
   * recognise the file its last chunk committed by the server-stamped `modifiedAt`: server time
   * against server time, never against this computer's clock, which may be hours or days off.
   */
  serverStartedAt?: number;
}

const POLICY: Record<ConflictPolicy, WriteConflictPolicy> = { rename: 'RENAME', replace: 'REPLACE', fail: 'REJECT' };

export function createUcloudProvider(o: ProviderFactoryOptions): Provider {
  const base = o.endpoint.url.replace(/\/+$/, '');

  const why = (res: HttpResponse): string | undefined => {
    try {
      const w = res.json<Partial<CommonErrorMessage>>().why;
      return typeof w === 'string' && w !== '' ? w : undefined;
    } catch {
      return undefined;
    }
  };

  const readRef = (session: Session): UcloudRef => {
    const r = session.ref as Partial<UcloudRef> | null;
    if (!r || typeof r.endpoint !== 'string' || typeof r.token !== 'string') {
      throw new FerryError('session-gone', 'UCloud upload session reference is unreadable; a new session is needed');
    }
    return { endpoint: r.endpoint, token: r.token, ...(typeof r.serverStartedAt === 'number' ? { serverStartedAt: r.serverStartedAt } : {}) };
  };

  /**
   * The last chunk commits the file and retires the token, so when its answer is lost (a crash,
   * a reset) the resend gets 404. Before starting over, ask `files.retrieve` whether a file of
   * exactly this size was written at the target since the session began: then the upload is done.
   */
  const committedEarlier = async (ref: UcloudRef, job: UploadJob, signal: AbortSignal): Promise<boolean> => {
    if (ref.serverStartedAt === undefined) return false;
    const url = `${base}${RETRIEVE_PATH}?id=${encodeURIComponent(job.target.remotePath)}`;
    const res = await o.http.request({ method: 'GET', url, headers: { authorization: `Bearer ${o.endpoint.token}`, accept: 'application/json' }, signal });
    if (res.status !== 200) return false;
    try {
      const f = res.json<Partial<UFileLite>>();
      // `Date` has whole seconds; modifiedAt has milliseconds.
      return f.status?.sizeInBytes === job.file.size && (f.status.modifiedAt ?? 0) >= ref.serverStartedAt - 1_000;
    } catch {
      return false;
    }
  };

  /** One CHUNKED POST; the body's length is the chunk's, declared exactly by the transport. */
  const post = async (ref: UcloudRef, job: UploadJob, offset: number, data: Buffer, signal: AbortSignal, onSent?: (n: number) => void): Promise<void> => {
    const doing = `uploading bytes ${offset}-${offset + data.length} of ${job.file.name} to UCloud`;
    const res = await o.http.request({
      method: 'POST',
      url: ref.endpoint,
      headers: {
        [HEADER_TOKEN]: ref.token,
        [HEADER_OFFSET]: String(offset),
        [HEADER_TOTAL_SIZE]: String(job.file.size),
        'content-type': 'application/octet-stream',
      },
      body: data,
      signal,
      ...(onSent ? { onSent } : {}),
    });
    if (res.status >= 200 && res.status < 300) return;
    const message = why(res);
    const opts = { method: 'POST', url: ref.endpoint, doing, ...(message ? { serverMessage: message } : {}), goneStatuses: [404] };
    // A 409 on a chunk is a name conflict only when it commits the file (REJECT policy);
    // otherwise the server is still busy with an earlier attempt of ours: retry later.
    const conflict = res.status === 409 && offset + data.length >= job.file.size && !/one at a time|already being uploaded/i.test(message ?? '');
    const err = statusError(res, res.status === 409 && !conflict ? { ...opts, code: 'server-error' } : opts);
    Object.assign(err.context, { file: job.file.path, offset });
    throw err;
  };

  return {
    id: 'ucloud',
    rules: { min: 1, max: MAX_CHUNK_SIZE, align: 1, defaultSize: DEFAULT_CHUNK_SIZE },
    ordered: true,
    blindResume: true,

    async create(job, signal) {
      const url = `${base}${CREATE_UPLOAD_PATH}`;
      const doing = `creating a UCloud upload session for ${job.file.name} at ${job.target.remotePath}`;
      const item: CreateUploadItem = { id: job.target.remotePath, type: 'FILE', supportedProtocols: ['CHUNKED'], conflictPolicy: POLICY[job.target.conflict] };
      const request: BulkRequest<CreateUploadItem> = { items: [item] };
      const res = await o.http.request({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${o.endpoint.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request),
        signal,
      });
      if (res.status !== 200) {
        const message = why(res);
        const err = statusError(res, { method: 'POST', url, doing, ...(message ? { serverMessage: message } : {}) });
        Object.assign(err.context, { file: job.file.path });
        throw err;
      }
      const answer = jsonBody<Partial<BulkResponse<Partial<CreateUploadResponseItem>>>>(res, { method: 'POST', url, doing }).responses?.[0];
      if (!answer || answer.protocol !== 'CHUNKED' || typeof answer.endpoint !== 'string' || typeof answer.token !== 'string' || answer.token === '') {
        throw new FerryError('protocol', `${doing}: the server did not offer a CHUNKED upload (protocol ${JSON.stringify(answer?.protocol ?? null)})`, { method: 'POST', url: redactUrl(url), status: res.status, file: job.file.path });
      }
      const endpoint = new URL(answer.endpoint, `${base}/`).toString();
      const started = serverNow(res);
      const ref: UcloudRef = { endpoint, token: answer.token, ...(started !== undefined ? { serverStartedAt: started } : {}) };
      return {
        ref: { ...ref },
        chunkSize: Math.min(MAX_CHUNK_SIZE, Math.max(1, job.chunkSize)),
        // Guaranteed lifetime after the last activity; the engine slides it as chunks land.
        expiresAt: o.clock.now() + MIN_SESSION_IDLE_MS,
      };
    },

    async status() {
      return { kind: 'unknown' };
    },

    async sendChunk(session, job, chunk: Chunk, ctx) {
      // A 0-byte file is committed by `finish`, whether or not the engine sends an empty chunk.
      if (job.file.size === 0) return undefined;
      const ref = readRef(session);
      try {
        await post(ref, job, chunk.offset, chunk.data, ctx.signal, ctx.onSent);
      } catch (e) {
        if (chunk.final && e instanceof FerryError && e.code === 'session-gone' && (await committedEarlier(ref, job, ctx.signal))) {
          return { kind: 'complete', result: { path: job.target.remotePath, size: job.file.size } };
        }
        throw e;
      }
      return undefined;
    },

    async finish(session, job, _digests, signal): Promise<RemoteFile> {
      if (job.file.size === 0) await post(readRef(session), job, 0, Buffer.alloc(0), signal);
      return { path: job.target.remotePath, size: job.file.size };
    },

    async cancel(): Promise<CancelOutcome> {
      return { deleted: false, why: "UCloud's chunked protocol has no way to delete an upload session; the server discards it within 48 hours" };
    },
  };
}
