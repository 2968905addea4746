// tus 1.0 client behind the provider port: POST creates, HEAD tells the offset, PATCH appends,
// DELETE terminates. `endpoint.url` is the creation endpoint; the session ref is the upload URL.
import { posix } from 'node:path';
import { FerryError } from '../../common/errors.js';
import type { HashAlgorithm } from '../../engine/hashing.js';
import type { HttpResponse } from '../../engine/http.js';
import type { CancelOutcome, Provider, ProviderFactoryOptions, ServerState, Session, UploadJob } from '../../engine/provider.js';
import { chunkBody, chunkLength } from '../shared/chunk-body.js';
import { chunkDigestBase64 } from '../shared/chunk-digest.js';
import { redactUrl, statusError } from '../shared/http-status.js';
import { capabilityProbe, hasExtension, type TusCapabilities } from './capabilities.js';
import { tusEndpoint } from './endpoint.js';
import {
  encodeMetadata, META_CONFLICT, META_FILENAME, META_PATH, OFFSET_CONTENT_TYPE, parseNonNegativeInt,
  STATUS_CHECKSUM_MISMATCH, STATUS_LOCKED, TUS_LIMITS, TUS_VERSION,
} from './wire.js';

/** What the journal keeps for a tus session. */
export interface TusSessionRef {
  url: string;
}

/**
 * HEAD answers meaning the upload no longer exists: 404 or 410. The spec also allows 403 for a
 * missing upload, but neither tusd nor @tus/server uses it (404/410); a 403 there comes from an
 * auth layer (@tus/server's onIncomingRequest runs on HEAD too, or a proxy), and starting over
 * would only meet it again at POST. tus-js-client starts a new upload on any 4xx but 423
 * (lib/upload.ts); Ferry reports 'auth' unless the option `head403` says the server means "gone".
 */
const GONE_ON_HEAD = [404, 410];
/** 403 from an auth layer is an auth failure on the calls every server authorises the same way. */
const AUTH_STATUSES = [401, 403];
const GONE_ON_PATCH = [404, 410];
/** Preference order when the server offers several checksum algorithms. */
const CHECKSUM_PREFERENCE = ['sha1', 'sha256', 'md5'] as const;

/**
 * Options (strings, from the target's settings):
 * - `checksum`: 'auto' (default: send Upload-Checksum when the server offers the extension) or 'off'.
 * - `head403`: 'auth' (default) or 'session-gone', for a server that answers 403 for a lost upload.
 */
export function createTusProvider(o: ProviderFactoryOptions): Provider {
  const endpoint = tusEndpoint(o.endpoint.url);
  const head403 = o.options?.['head403'] ?? 'auth';
  if (head403 !== 'auth' && head403 !== 'session-gone') {
    throw new FerryError('bad-input', `the tus option head403 must be "auth" or "session-gone", not "${head403}"`);
  }
  const goneOnHead = head403 === 'session-gone' ? [...GONE_ON_HEAD, 403] : GONE_ON_HEAD;
  const checksums = o.options?.['checksum'] !== 'off';
  const http = o.http;
  const baseHeaders = (): Record<string, string> => ({
    'tus-resumable': TUS_VERSION,
    ...(o.endpoint.token ? { authorization: `Bearer ${o.endpoint.token}` } : {}),
  });
  const probe = capabilityProbe(http, endpoint, () => {
    // OPTIONS is the one request the spec exempts from Tus-Resumable.
    const { 'tus-resumable': _omit, ...rest } = baseHeaders();
    return rest;
  });
  /** Known once the server answered OPTIONS; until then no per-chunk digest is asked of the engine. */
  let known: TusCapabilities | undefined;
  const capabilities = async (signal: AbortSignal): Promise<TusCapabilities> => (known = await probe(signal));

  return {
    id: 'tus',
    rules: { ...TUS_LIMITS },
    ordered: true,
    // Chunks may be streamed from the file (Chunk.body): large chunks cost no memory.
    streamsChunks: true,
    get chunkDigests(): HashAlgorithm[] {
      const algorithm = checksums && known ? checksumAlgorithm(known) : undefined;
      return algorithm ? [algorithm] : [];
    },

    async create(job, signal) {
      const remotePath = job.target.remotePath;
      // A server that lays files out by `path` or `filename` (a post-finish hook, our emulator)
      // must never be handed a segment that climbs out of its folder; `\` separates on Windows.
      const dots = remotePath.split(/[/\\]/).find((seg) => seg === '.' || seg === '..');
      if (dots !== undefined) {
        throw new FerryError('bad-input', `the remote path "${remotePath}" has a "${dots}" segment; tus paths must name folders and the file directly`, { file: job.file.path });
      }
      const caps = await capabilities(signal);
      if (caps.maxSize !== undefined && job.file.size > caps.maxSize) {
        throw new FerryError('rejected', `${job.file.path} is ${job.file.size} bytes, more than the ${caps.maxSize} bytes the tus server at ${redactUrl(endpoint)} accepts (Tus-Max-Size)`, { method: 'POST', url: redactUrl(endpoint), file: job.file.path });
      }
      const metadata = encodeMetadata({
        [META_FILENAME]: posix.basename(remotePath) || job.file.name,
        [META_PATH]: remotePath,
        [META_CONFLICT]: job.target.conflict,
      });
      const res = await http.request({
        method: 'POST',
        url: endpoint,
        headers: { ...baseHeaders(), 'upload-length': String(job.file.size), 'upload-metadata': metadata },
        body: Buffer.alloc(0),
        signal,
      });
      const doing = `creating the tus upload for ${job.file.path}`;
      if (!ok(res)) throw failure(res, 'POST', endpoint, doing, []);
      const location = res.headers['location'];
      let url: string;
      try {
        if (!location) throw new Error('no Location');
        url = new URL(location, endpoint).href;
      } catch {
        throw new FerryError('protocol', `${doing}: the server answered HTTP ${res.status} without a usable Location header`, { method: 'POST', url: redactUrl(endpoint), status: res.status, file: job.file.path });
      }
      const expiresAt = parseExpires(res);
      const ref: TusSessionRef = { url };
      return { ref: { ...ref }, chunkSize: job.chunkSize, ...(expiresAt !== undefined ? { expiresAt } : {}) };
    },

    async status(session, job, signal) {
      const url = sessionUrl(session, job);
      const res = await http.request({ method: 'HEAD', url, headers: baseHeaders(), signal });
      const doing = `asking the tus server how much of ${job.file.path} it holds`;
      if (!ok(res)) throw failure(res, 'HEAD', url, doing, goneOnHead);
      const offset = parseNonNegativeInt(res.headers['upload-offset']);
      if (offset === undefined) {
        throw new FerryError('protocol', `${doing}: the answer (HTTP ${res.status}) has no valid Upload-Offset header`, { method: 'HEAD', url: redactUrl(url), status: res.status, file: job.file.path });
      }
      const length = parseNonNegativeInt(res.headers['upload-length']);
      if (length !== undefined && length !== job.file.size) {
        // The journal points at an upload made for another version of the file: start over.
        throw new FerryError('session-gone', `the tus upload for ${job.file.path} was created for ${length} bytes but the file now has ${job.file.size}`, { method: 'HEAD', url: redactUrl(url), status: res.status, file: job.file.path });
      }
      if (offset > job.file.size) {
        throw new FerryError('protocol', `${doing}: the server claims ${offset} bytes of a ${job.file.size}-byte file`, { method: 'HEAD', url: redactUrl(url), status: res.status, offset, file: job.file.path });
      }
      if (offset === job.file.size) return { kind: 'complete', result: { path: job.target.remotePath, size: job.file.size } };
      return { kind: 'offset', offset };
    },

    async sendChunk(session, job, chunk, ctx): Promise<ServerState> {
      const url = sessionUrl(session, job);
      const caps = await capabilities(ctx.signal);
      const headers: Record<string, string> = { ...baseHeaders(), 'upload-offset': String(chunk.offset), 'content-type': OFFSET_CONTENT_TYPE };
      const algorithm = checksums ? checksumAlgorithm(caps) : undefined;
      // A streamed chunk the engine sent before it knew the server checks sums goes without one (the header is optional).
      if (algorithm && (chunk.digests?.[algorithm] !== undefined || !chunk.body)) headers['upload-checksum'] = `${algorithm} ${chunkDigestBase64(chunk, algorithm)}`;
      const end = chunk.offset + chunkLength(chunk);
      const res = await http.request({ method: 'PATCH', url, headers, body: chunkBody(chunk), signal: ctx.signal, ...(ctx.onSent ? { onSent: ctx.onSent } : {}) });
      const doing = `sending bytes ${chunk.offset}-${end} of ${job.file.path}`;
      if (!ok(res)) throw failure(res, 'PATCH', url, doing, GONE_ON_PATCH, chunk.offset);
      const offset = parseNonNegativeInt(res.headers['upload-offset']);
      // The server may keep less than it was sent, never more and never less than it had.
      if (offset === undefined || offset < chunk.offset || offset > end) {
        throw new FerryError('protocol', `${doing}: the answer (HTTP ${res.status}) has no valid Upload-Offset header (got ${JSON.stringify(res.headers['upload-offset'] ?? null)})`, { method: 'PATCH', url: redactUrl(url), status: res.status, offset: chunk.offset, file: job.file.path });
      }
      // The port has no other channel for a moved deadline; the engine persists the session it holds.
      const expiresAt = parseExpires(res);
      if (expiresAt !== undefined) session.expiresAt = expiresAt;
      return { kind: 'offset', offset };
    },

    async finish(_session, job) {
      // The last PATCH completed the upload; tus reports no digest of the stored file.
      return { path: job.target.remotePath, size: job.file.size };
    },

    async cancel(session, job, signal): Promise<CancelOutcome> {
      const url = sessionUrl(session, job);
      const caps = await capabilities(signal);
      if (caps.known && !hasExtension(caps, 'termination')) {
        return { deleted: false, why: 'the tus server does not offer termination; it keeps the partial upload until it expires it' };
      }
      const res = await http.request({ method: 'DELETE', url, headers: baseHeaders(), signal });
      if (ok(res) || res.status === 404 || res.status === 410) return { deleted: true };
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429 && res.status !== STATUS_LOCKED) {
        return { deleted: false, why: `the tus server refused to delete the upload (HTTP ${res.status})` };
      }
      throw failure(res, 'DELETE', url, `deleting the tus upload of ${job.file.path}`, []);
    },
  };
}

function ok(res: HttpResponse): boolean {
  return res.status >= 200 && res.status <= 299;
}

function failure(res: HttpResponse, method: string, url: string, doing: string, gone: number[], offset?: number): FerryError {
  const base = { method, url, doing, goneStatuses: gone, ...serverText(res) };
  // @tus/server also answers 403 for a PATCH's missing headers; there it stays 'rejected'.
  if (gone.includes(res.status)) return withOffset(statusError(res, base), offset);
  if (AUTH_STATUSES.includes(res.status) && method !== 'PATCH') return statusError(res, { ...base, code: 'auth' });
  if (diskFull(res)) return withOffset(statusError(res, { ...base, code: 'quota' }), offset);
  if (res.status === 409 && method === 'PATCH') return withOffset(statusError(res, { ...base, code: 'offset-mismatch' }), offset);
  if (res.status === STATUS_CHECKSUM_MISMATCH) return withOffset(statusError(res, { ...base, code: 'integrity', serverMessage: 'checksum mismatch, the server discarded the chunk' }), offset);
  // 423: another request holds the upload's lock; it will be free again shortly.
  if (res.status === STATUS_LOCKED) return statusError(res, { ...base, code: 'server-error' });
  return withOffset(statusError(res, base), offset);
}

function withOffset(e: FerryError, offset: number | undefined): FerryError {
  if (offset !== undefined) (e.context as { offset?: number }).offset = offset;
  return e;
}

/**
 * The server's disk is full: 507, or tusd's 500 whose text carries the write error
 * ("ERR_INTERNAL_SERVER_ERROR: write …: no space left on device", pkg/handler sendError). The
 * @tus/server file store hides the cause behind a generic 500; that one stays a server error.
 */
function diskFull(res: HttpResponse): boolean {
  if (res.status === 507) return true;
  return res.status === 500 && /no space left on device|ENOSPC/i.test(serverText(res).serverMessage ?? '');
}

/** tus servers answer errors in plain text ("Upload-Offset conflict"); keep a short line of it. */
function serverText(res: HttpResponse): { serverMessage?: string } {
  const text = res.body.length > 0 && res.body.length < 4096 ? res.text().trim().split('\n')[0]?.slice(0, 200) : undefined;
  return text ? { serverMessage: text } : {};
}

function checksumAlgorithm(caps: TusCapabilities): (typeof CHECKSUM_PREFERENCE)[number] | undefined {
  if (!hasExtension(caps, 'checksum')) return undefined;
  return CHECKSUM_PREFERENCE.find((a) => caps.checksumAlgorithms.has(a));
}

function parseExpires(res: HttpResponse): number | undefined {
  const v = res.headers['upload-expires'];
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function sessionUrl(session: Session, job: UploadJob): string {
  const ref = session.ref as Partial<TusSessionRef> | null;
  if (ref && typeof ref === 'object' && typeof ref.url === 'string' && /^https?:\/\//.test(ref.url)) return ref.url;
  throw new FerryError('bad-input', `the saved tus session for ${job.file.path} has no upload URL`, { file: job.file.path });
}
