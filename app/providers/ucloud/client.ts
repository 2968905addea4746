// UCloud behind the provider port. `files.createUpload` offers CHUNKED and WEBSOCKET_V2 and the
// provider chooses (current im2 modules always answer WEBSOCKET_V2; older and third-party ones
// speak CHUNKED). The engine sees the same session-shaped calls for both:
// - CHUNKED (chunked.ts): one POST per chunk; `status` is "unknown", so a resume re-sends from the
//   journal's offset, byte-exact.
// - WEBSOCKET_V2 (ws-socket.ts): a socket opened at the first chunk (listing, then Ok or Skip),
//   Chunk frames in order, Completed after the last. No byte offset survives the connection: the
//   server truncates the file when it is listed again, so `status` says 0 unless the socket lives.
import { FerryError } from '../../common/errors.js';
import type { ConflictPolicy } from '../../common/transfer.js';
import type { CancelOutcome, Chunk, Provider, ProviderFactoryOptions, RemoteFile, Session, ServerState, UploadJob } from '../../engine/provider.js';
import { chunkBody } from '../shared/chunk-body.js';
import { jsonBody, redactUrl } from '../shared/http-status.js';
import { serverNow } from '../shared/server-time.js';
import { apiBase, apiError, ucloudPath } from './api.js';
import { chunkedCalls, type ChunkedRef } from './chunked.js';
import { WsUpload } from './ws-socket.js';
import {
  CREATE_UPLOAD_PATH, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_SESSION_IDLE_MS, RETRIEVE_PATH, WS_SESSION_MAX_AGE_MS,
  type BulkRequest, type BulkResponse, type CreateUploadItem, type CreateUploadResponseItem, type UploadProtocol, type WriteConflictPolicy,
} from './wire.js';

/** A WEBSOCKET_V2 session in the journal: the socket address without its token, and the token. */
interface WsRef { protocol: 'WEBSOCKET_V2'; endpoint: string; token: string }

const POLICY: Record<ConflictPolicy, WriteConflictPolicy> = { rename: 'RENAME', replace: 'REPLACE', fail: 'REJECT' };
const OFFERED: UploadProtocol[] = ['CHUNKED', 'WEBSOCKET_V2'];

export function createUcloudProvider(o: ProviderFactoryOptions): Provider {
  const base = apiBase(o.endpoint.url);
  const chunked = chunkedCalls(o, base);
  /** The account's drive (option `drive`): paths are then taken inside it. */
  const drive = o.options?.drive?.trim() || undefined;
  const pathOf = (job: UploadJob): string => ucloudPath(job, drive);
  const answerMs = Number(o.options?.socketAnswerTimeoutMs ?? 60_000);
  const idleMs = Number(o.options?.socketIdleMs ?? 60_000);
  const pace = o.http.pace?.bind(o.http);
  /** Live sockets by upload token: a socket carries the file only while it lives. */
  const live = new Map<string, WsUpload>();
  /** Sockets that closed before answering the listing, by token (im2's answer to an unknown token). */
  const unanswered = new Map<string, number>();

  const readRef = (session: Session): ChunkedRef | WsRef => {
    const r = session.ref as Partial<ChunkedRef & WsRef> | null;
    if (!r || typeof r.endpoint !== 'string' || typeof r.token !== 'string') {
      throw new FerryError('session-gone', 'UCloud upload session reference is unreadable; a new session is needed');
    }
    if (r.protocol === 'WEBSOCKET_V2') return { protocol: 'WEBSOCKET_V2', endpoint: r.endpoint, token: r.token };
    return { endpoint: r.endpoint, token: r.token, ...(typeof r.serverStartedAt === 'number' ? { serverStartedAt: r.serverStartedAt } : {}) };
  };
  const isWs = (r: ChunkedRef | WsRef): r is WsRef => 'protocol' in r && r.protocol === 'WEBSOCKET_V2';
  const done = (job: UploadJob): RemoteFile => ({ path: pathOf(job), size: job.file.size });
  const socketUrl = (ref: WsRef): string => {
    const u = new URL(ref.endpoint);
    u.searchParams.set('token', ref.token);
    return u.toString();
  };

  /** Opens a socket for the file and lists it; counts sockets closed before any answer. */
  const connect = async (ref: WsRef, job: UploadJob, signal: AbortSignal): Promise<WsUpload> => {
    const c = WsUpload.dial(socketUrl(ref), o.clock);
    try {
      await c.ready(signal, answerMs);
      await c.list(job.file.size, job.file.mtimeMs, signal, answerMs);
    } catch (e) {
      c.close();
      if (!c.closedBeforeAnswer) throw e;
      const n = (unanswered.get(ref.token) ?? 0) + 1;
      unanswered.set(ref.token, n);
      // A dropped connection looks the same once; twice in a row means the token is not known.
      if (n < 2) throw e;
      unanswered.delete(ref.token);
      throw new FerryError('session-gone', `UCloud closed the upload socket for ${job.file.name} twice without answering: the upload token is unknown or expired`, { url: redactUrl(ref.endpoint), file: job.file.path });
    }
    unanswered.delete(ref.token);
    live.set(ref.token, c);
    return c;
  };

  const liveSocket = (ref: WsRef): WsUpload | undefined => {
    const c = live.get(ref.token);
    if (c && !c.alive && !c.completed) live.delete(ref.token);
    return c && (c.alive || c.completed) ? c : undefined;
  };

  const restart = (job: UploadJob, offset: number): FerryError =>
    new FerryError('offset-mismatch', `UCloud's WEBSOCKET_V2 upload of ${job.file.name} lost its connection; the server restarts a file on a new connection, so it is sent again from byte 0`, { file: job.file.path, offset });

  /** im2 does not honour REJECT for files (it overwrites): Ferry refuses an existing target itself. */
  const refuseExisting = async (job: UploadJob, signal: AbortSignal): Promise<void> => {
    const url = `${base}${RETRIEVE_PATH}?id=${encodeURIComponent(pathOf(job))}`;
    const res = await o.http.request({ method: 'GET', url, headers: { authorization: `Bearer ${o.endpoint.token}`, accept: 'application/json' }, signal });
    if (res.status === 200) {
      throw new FerryError('name-conflict', `A file already exists at ${pathOf(job)} on UCloud and the conflict policy is to fail`, { method: 'GET', url: redactUrl(url), status: 200, file: job.file.path });
    }
  };

  return {
    id: 'ucloud',
    rules: { min: 1, max: MAX_CHUNK_SIZE, align: 1, defaultSize: DEFAULT_CHUNK_SIZE },
    ordered: true,
    blindResume: true,
    // CHUNKED bodies are streamed from the file (no chunk buffer; the chunk may grow on a long
    // path); a WEBSOCKET_V2 chunk is framed from a held buffer (ws-fragments).
    streamsChunks: (s: Session) => !isWs(readRef(s)),

    async create(job, signal) {
      const path = pathOf(job);
      const url = `${base}${CREATE_UPLOAD_PATH}`;
      const doing = `creating a UCloud upload session for ${job.file.name} at ${path}`;
      const item: CreateUploadItem = { id: path, type: 'FILE', supportedProtocols: [...OFFERED], conflictPolicy: POLICY[job.target.conflict] };
      const request: BulkRequest<CreateUploadItem> = { items: [item] };
      const res = await o.http.request({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${o.endpoint.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request),
        signal,
      });
      if (res.status !== 200) throw apiError(res, { url, doing, job, path });
      const answer = jsonBody<Partial<BulkResponse<Partial<CreateUploadResponseItem>>>>(res, { method: 'POST', url, doing }).responses?.[0];
      const unusable = (): FerryError => new FerryError('protocol', `${doing}: the server answered with protocol ${JSON.stringify(answer?.protocol ?? null)}, which Ferry does not speak (it offered ${OFFERED.join(', ')})`, { method: 'POST', url: redactUrl(url), status: res.status, file: job.file.path });
      if (!answer || typeof answer.endpoint !== 'string') throw unusable();
      const chunkSize = Math.min(MAX_CHUNK_SIZE, Math.max(1, job.chunkSize));
      if (answer.protocol === 'WEBSOCKET_V2') {
        const endpoint = new URL(answer.endpoint, `${base}/`);
        const token = typeof answer.token === 'string' && answer.token !== '' ? answer.token : endpoint.searchParams.get('token');
        if (!token) throw unusable();
        endpoint.searchParams.delete('token');
        if (job.target.conflict === 'fail') await refuseExisting(job, signal);
        const ref: WsRef = { protocol: 'WEBSOCKET_V2', endpoint: endpoint.toString(), token };
        return { ref: { ...ref }, chunkSize, expiresAt: o.clock.now() + WS_SESSION_MAX_AGE_MS };
      }
      if (answer.protocol !== 'CHUNKED' || typeof answer.token !== 'string' || answer.token === '') throw unusable();
      const endpoint = new URL(answer.endpoint, `${base}/`).toString();
      const started = serverNow(res);
      const ref: ChunkedRef = { endpoint, token: answer.token, ...(started !== undefined ? { serverStartedAt: started } : {}) };
      // Guaranteed lifetime after the last activity; the engine slides it as chunks land.
      return { ref: { ...ref }, chunkSize, expiresAt: o.clock.now() + MIN_SESSION_IDLE_MS };
    },

    async status(session): Promise<ServerState> {
      const ref = readRef(session);
      if (!isWs(ref)) return { kind: 'unknown' };
      const c = liveSocket(ref);
      if (c?.completed || c?.answer === 'skip') return { kind: 'complete' };
      return { kind: 'offset', offset: c?.alive && c.answer === 'ok' ? c.sent : 0 };
    },

    async sendChunk(session, job, chunk: Chunk, ctx) {
      // A 0-byte file is committed by `finish`, whether or not the engine sends an empty chunk.
      if (job.file.size === 0) return undefined;
      const ref = readRef(session);
      if (!isWs(ref)) {
        try {
          await chunked.post(ref, job, chunk.offset, chunkBody(chunk), ctx.signal, ctx.onSent);
        } catch (e) {
          if (chunk.final && e instanceof FerryError && e.code === 'session-gone' && (await chunked.committedEarlier(ref, job, pathOf(job), ctx.signal))) {
            return { kind: 'complete', result: done(job) };
          }
          throw e;
        }
        return undefined;
      }
      let c = liveSocket(ref);
      if (!c) {
        if (chunk.offset !== 0) throw restart(job, chunk.offset);
        c = await connect(ref, job, ctx.signal);
      }
      if (c.completed || c.answer === 'skip') return { kind: 'complete', result: done(job) };
      if (chunk.offset !== c.sent) throw restart(job, chunk.offset);
      // The bandwidth limit paces the socket as it paces request bodies.
      await c.send(chunk.data, ctx.signal, idleMs, ctx.onSent, pace);
      if (!chunk.final) return undefined;
      await c.complete(ctx.signal, answerMs);
      return { kind: 'complete', result: done(job) };
    },

    async finish(session, job, _digests, signal): Promise<RemoteFile> {
      const ref = readRef(session);
      if (!isWs(ref)) {
        if (job.file.size === 0) await chunked.post(ref, job, 0, Buffer.alloc(0), signal);
        return done(job);
      }
      if (job.completed) {
        live.delete(ref.token);
        return job.completed;
      }
      let c = liveSocket(ref);
      // An empty file is listed and completed without any chunk (server.go: size 0 is done at once).
      if (!c && job.file.size === 0) c = await connect(ref, job, signal);
      if (!c || !(c.completed || c.answer === 'skip' || c.sent === job.file.size)) throw restart(job, c?.sent ?? 0);
      if (!c.completed && c.answer !== 'skip') await c.complete(signal, answerMs);
      live.delete(ref.token);
      return done(job);
    },

    async cancel(session): Promise<CancelOutcome> {
      const ref = readRef(session);
      if (!isWs(ref)) return { deleted: false, why: "UCloud's chunked protocol has no way to delete an upload session; the server discards it within 48 hours" };
      live.get(ref.token)?.sendCloseAndEnd();
      live.delete(ref.token);
      return { deleted: false, why: "UCloud's WEBSOCKET_V2 protocol cannot delete an upload: the bytes already written stay in the target file" };
    },
  };
}
