// Microsoft Graph / OneDrive upload client behind the provider port (protocols.md section 4).
// Files up to 4 MiB (and empty ones) go through one simple `PUT …:/content`; larger ones through
// an upload session whose URL carries its own credential, so it never gets our bearer token.
import { FerryError } from '../../common/errors.js';
import type { HttpResponse, StreamBody } from '../../engine/http.js';
import type { CancelOutcome, Chunk, Provider, ProviderFactoryOptions, RemoteFile, SendContext, ServerState, Session, UploadJob } from '../../engine/provider.js';
import { graphTarget } from './endpoint.js';
import { graphError, protocol, remoteFile, sessionJson, type CallInfo } from './graph-errors.js';
import { heldOffset } from './ranges.js';
import { serverNow, toLocalTime } from '../shared/server-time.js';
import { chunkBody, chunkLength } from '../shared/chunk-body.js';
import { FRAGMENT_ALIGN, FRAGMENT_DEFAULT, FRAGMENT_MAX, SIMPLE_UPLOAD_MAX, encodeDrivePath, type CreateSessionBody, type ExplicitCommitBody } from './wire.js';

/**
 * What the journal keeps for a session: the upload URL is a capability (tempauth), never logged.
 * `serverStartedAt`: the server's clock (its `Date` header) when the session was made, to
 * recognise the file a lost last answer made by comparing it with the item's server-stamped
 * `lastModifiedDateTime`: server time against server time, whatever the local clock says.
 */
export type OnedriveRef = { kind: 'simple' } | { kind: 'session'; uploadUrl: string; serverStartedAt?: number };

/** Statuses of the upload URL after which only a new session helps (expired tempauth is 403). */
const UPLOAD_URL_GONE = [401, 403, 404];

/**
 * Options (strings, from the target's settings):
 * - `drive`: `me` (default), `drives/{id}` or `sites/{id}`; the endpoint URL may name it instead.
 * - `simpleUploadMaxBytes`: files up to this size go in one PUT (default 4 MiB).
 */
export function createOnedriveProvider(o: ProviderFactoryOptions): Provider {
  const { api, drive } = graphTarget(o.endpoint.url, o.options?.drive);
  const http = o.http;
  const clock = o.clock;
  // Lowered in tests so that small files exercise upload sessions; 0-byte files are always simple.
  const simpleMax = Number(o.options?.simpleUploadMaxBytes ?? SIMPLE_UPLOAD_MAX);
  if (!Number.isSafeInteger(simpleMax) || simpleMax < 0) {
    throw new FerryError('bad-input', `OneDrive option simpleUploadMaxBytes must be a whole number of bytes, not "${o.options?.simpleUploadMaxBytes}"`);
  }
  const auth = { authorization: `Bearer ${o.endpoint.token}` };
  // driveItems of finished uploads, from the last fragment's (or the simple PUT's) answer to finish().
  const finished = new Map<string, RemoteFile>();

  const ref = (s: Session): OnedriveRef => {
    const r = s.ref as (Partial<OnedriveRef> & { uploadUrl?: unknown; serverStartedAt?: unknown }) | null;
    if (r?.kind === 'simple') return { kind: 'simple' };
    if (r?.kind === 'session' && typeof r.uploadUrl === 'string') return { kind: 'session', uploadUrl: r.uploadUrl, ...(typeof r.serverStartedAt === 'number' ? { serverStartedAt: r.serverStartedAt } : {}) };
    throw new FerryError('journal-corrupt', `the saved OneDrive session reference ${JSON.stringify(s.ref)} is not one this version understands`);
  };
  const key = (s: Session, job: UploadJob): string => {
    const r = ref(s);
    return r.kind === 'session' ? r.uploadUrl : `simple:${job.target.remotePath}:${job.file.size}:${job.file.mtimeMs}`;
  };
  const itemUrl = (job: UploadJob): string => `${api}${drive}/root:${drivePath(job)}`;
  /** The parent folder's address: the drive root itself has no `root:` path form. */
  const parentUrl = (job: UploadJob): string => {
    const p = drivePath(job);
    const parent = p.slice(0, p.lastIndexOf('/'));
    return parent === '' ? `${api}${drive}/root` : `${api}${drive}/root:${parent}`;
  };

  /**
   * The session's `expirationDateTime` is on the server's clock. It becomes `Session.expiresAt`
   * (local clock, which the engine uses to stop resuming a dead session) only through the skew
   * the same answer's `Date` header measures; without one the skew is unknown, so no local
   * expiry is claimed and the server decides (an expired URL answers 404, and a new session follows).
   * The client itself never refuses to send on its own reading of the clock.
   */
  const noteExpiry = (s: Session, iso: string, res: HttpResponse): void => {
    const t = Date.parse(iso);
    if (Number.isNaN(t)) return;
    const local = toLocalTime(t, res, clock.now());
    if (local === undefined) delete s.expiresAt;
    else s.expiresAt = local;
  };

  const send = async (call: CallInfo, headers: Record<string, string>, body: Buffer | string | StreamBody | undefined, signal: AbortSignal, onSent?: (n: number) => void): Promise<HttpResponse> =>
    http.request({ method: call.method, url: call.url, headers, ...(body !== undefined ? { body } : {}), signal, ...(onSent ? { onSent } : {}) });

  return {
    id: 'onedrive',
    rules: { min: FRAGMENT_ALIGN, max: FRAGMENT_MAX, align: FRAGMENT_ALIGN, defaultSize: FRAGMENT_DEFAULT },
    integrity: 'quickxor',
    ordered: true,
    // Chunks may be streamed from the file (Chunk.body): large chunks cost no memory.
    streamsChunks: true,

    async create(job, signal): Promise<Session> {
      drivePath(job);
      if (job.file.size === 0 || job.file.size <= simpleMax) return { ref: { kind: 'simple' }, chunkSize: Math.max(1, job.file.size) };
      const call: CallInfo = { method: 'POST', url: `${itemUrl(job)}:/createUploadSession`, doing: `creating an upload session for "${job.target.remotePath}"` };
      // fileSize lets Graph refuse a file larger than the free space (507) before any byte is sent.
      const body: CreateSessionBody = { item: { '@microsoft.graph.conflictBehavior': job.target.conflict, name: baseName(job), fileSize: job.file.size } };
      const res = await send(call, { ...auth, 'content-type': 'application/json' }, JSON.stringify(body), signal);
      if (res.status !== 200 && res.status !== 201) throw graphError(res, call);
      const j = sessionJson(res, call);
      if (typeof j.uploadUrl !== 'string' || !/^https?:\/\//.test(j.uploadUrl)) throw protocol(call, res.status, 'the answer has no uploadUrl');
      const started = serverNow(res);
      const session: Session = { ref: { kind: 'session', uploadUrl: j.uploadUrl, ...(started !== undefined ? { serverStartedAt: started } : {}) }, chunkSize: fragmentSize(job.chunkSize) };
      noteExpiry(session, j.expirationDateTime, res);
      return session;
    },

    async status(s, job, signal) {
      const r = ref(s);
      const done = finished.get(key(s, job));
      if (done) return { kind: 'complete', result: done };
      // A simple upload is one atomic PUT: until it answered, the server holds nothing.
      if (r.kind === 'simple') return { kind: 'offset', offset: 0 };
      const call: CallInfo = { method: 'GET', url: r.uploadUrl, doing: `asking how much of "${job.target.remotePath}" the server holds` };
      const res = await send(call, {}, undefined, signal);
      if (res.status === 404) {
        // Graph forgets a session once its last fragment made the file. When that answer was lost
        // (a crash, a reset), the file is there: recognise it rather than upload a second copy.
        // The engine still compares its quickXorHash with the local file before calling it done.
        const made = await madeSince(r, job, signal);
        if (made) return { kind: 'complete', result: made };
      }
      if (res.status !== 200) throw graphError(res, call, { goneStatuses: UPLOAD_URL_GONE });
      const j = sessionJson(res, call);
      noteExpiry(s, j.expirationDateTime, res);
      return { kind: 'offset', offset: heldOffset(j.nextExpectedRanges, job.file.size, `"${job.target.remotePath}"`) };
    },

    async sendChunk(s, job, chunk, ctx) {
      const r = ref(s);
      if (r.kind === 'simple') return simplePut(job, chunk, ctx, s);
      const last = chunk.offset + chunkLength(chunk) - 1;
      const call: CallInfo = { method: 'PUT', url: r.uploadUrl, doing: `uploading bytes ${chunk.offset}-${last} of "${job.target.remotePath}"` };
      const headers = { 'content-range': `bytes ${chunk.offset}-${last}/${job.file.size}`, 'content-type': 'application/octet-stream' };
      const res = await send(call, headers, chunkBody(chunk), ctx.signal, ctx.onSent);
      if (res.status === 202) {
        const j = sessionJson(res, call);
        noteExpiry(s, j.expirationDateTime, res);
        return { kind: 'offset', offset: heldOffset(j.nextExpectedRanges, job.file.size, `"${job.target.remotePath}"`) };
      }
      if (res.status === 200 || res.status === 201) return complete(s, job, remoteFile(res, call, job.target.remotePath));
      // 416: overlap or gap; the engine asks `status` and continues from what the server holds.
      throw graphError(res, call, { goneStatuses: UPLOAD_URL_GONE, ...(res.status === 416 ? { code: 'offset-mismatch' as const } : {}) });
    },

    async finish(s, job, _digests, signal) {
      if (job.completed) return job.completed;
      const k = key(s, job);
      const done = finished.get(k);
      if (done) {
        finished.delete(k);
        return done;
      }
      const r = ref(s);
      if (r.kind === 'simple') throw new FerryError('internal', `"${job.target.remotePath}" was never sent, so it cannot be finished`, { file: job.file.path });
      // Every byte arrived but no file was made: the last fragment met a name conflict (or a full
      // drive), and Graph keeps the session until it expires. The documented way to finish it is
      // an explicit commit: PUT a driveItem to the parent with `@microsoft.graph.sourceUrl` (the
      // upload URL), with the conflict behaviour the job asks for now.
      const call: CallInfo = { method: 'PUT', url: parentUrl(job), doing: `committing "${job.target.remotePath}"` };
      const body: ExplicitCommitBody = { name: baseName(job), '@microsoft.graph.conflictBehavior': job.target.conflict, '@microsoft.graph.sourceUrl': r.uploadUrl };
      const res = await send(call, { ...auth, 'content-type': 'application/json' }, JSON.stringify(body), signal);
      if (res.status !== 200 && res.status !== 201) throw graphError(res, call, { goneStatuses: [404] });
      return remoteFile(res, call, job.target.remotePath);
    },

    async cancel(s, job, signal): Promise<CancelOutcome> {
      const k = key(s, job);
      finished.delete(k);
      const r = ref(s);
      if (r.kind === 'simple') return { deleted: false, why: 'a simple upload keeps nothing on the server until it completes' };
      const call: CallInfo = { method: 'DELETE', url: r.uploadUrl, doing: `deleting the upload session of "${job.target.remotePath}"` };
      const res = await send(call, {}, undefined, signal);
      if (res.status === 204 || res.status === 200) return { deleted: true };
      if (res.status === 404) return { deleted: false, why: 'the upload session no longer existed on the server (expired or already deleted)' };
      throw graphError(res, call, { goneStatuses: [] });
    },
  };

  /** The driveItem at the target when it has this file's size and was written after the session began (both server times). */
  async function madeSince(r: OnedriveRef, job: UploadJob, signal: AbortSignal): Promise<RemoteFile | undefined> {
    if (r.kind !== 'session' || r.serverStartedAt === undefined) return undefined;
    const call: CallInfo = { method: 'GET', url: itemUrl(job), doing: `looking up "${job.target.remotePath}"` };
    const res = await send(call, auth, undefined, signal);
    if (res.status !== 200) return undefined;
    const item = res.json<{ size?: number; lastModifiedDateTime?: string }>();
    const modified = Date.parse(item.lastModifiedDateTime ?? '');
    // `Date` has whole seconds; the item's time has milliseconds.
    if (item.size !== job.file.size || Number.isNaN(modified) || modified < r.serverStartedAt - 1_000) return undefined;
    return remoteFile(res, call, job.target.remotePath);
  }

  async function simplePut(job: UploadJob, chunk: Chunk, ctx: SendContext, s: Session): Promise<ServerState> {
    if (chunk.offset !== 0 || chunkLength(chunk) !== job.file.size) {
      throw new FerryError('internal', `a simple upload of "${job.target.remotePath}" takes the whole file in one piece, not bytes ${chunk.offset}+${chunkLength(chunk)}`, { file: job.file.path });
    }
    const url = `${itemUrl(job)}:/content?@microsoft.graph.conflictBehavior=${job.target.conflict}`;
    const call: CallInfo = { method: 'PUT', url, doing: `uploading "${job.target.remotePath}"` };
    const res = await send(call, { ...auth, 'content-type': 'application/octet-stream' }, chunkBody(chunk), ctx.signal, ctx.onSent);
    if (res.status !== 200 && res.status !== 201) throw graphError(res, call);
    return complete(s, job, remoteFile(res, call, job.target.remotePath));
  }

  function complete(s: Session, job: UploadJob, result: RemoteFile): ServerState {
    finished.set(key(s, job), result);
    return { kind: 'complete', result };
  }
}

/** The job's chunk size made valid for Graph: a 320 KiB multiple below 60 MiB. */
function fragmentSize(requested: number): number {
  const aligned = Math.floor(requested / FRAGMENT_ALIGN) * FRAGMENT_ALIGN;
  return Math.min(FRAGMENT_MAX, Math.max(FRAGMENT_ALIGN, aligned));
}

/**
 * The remote path encoded for `root:{path}:`. `.` and `..` segments are refused before any
 * request: percent-encoding does not hide them from URL resolution, so `/a/../../../v1.0/me/…`
 * would address something outside the drive's root.
 */
function drivePath(job: UploadJob): string {
  const dots = job.target.remotePath.split('/').find((s) => s === '.' || s === '..');
  if (dots !== undefined) {
    throw new FerryError('bad-input', `the remote path "${job.target.remotePath}" has a "${dots}" segment; OneDrive paths must name folders and the file directly`, { file: job.file.path });
  }
  const p = encodeDrivePath(job.target.remotePath);
  if (p === '') throw new FerryError('bad-input', `the remote path "${job.target.remotePath}" names no file`, { file: job.file.path });
  return p;
}

function baseName(job: UploadJob): string {
  const parts = job.target.remotePath.split('/').filter((x) => x !== '');
  return parts[parts.length - 1] ?? '';
}
