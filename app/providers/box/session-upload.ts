// Box upload-session calls (protocols.md 5.1-5.6): create (with the conflict policy), upload a
// part, list parts (paged), commit (with the 202 + Retry-After loop) and abort.
import { FerryError } from '../../common/errors.js';
import type { ConflictPolicy } from '../../common/transfer.js';
import type { CancelOutcome, Chunk, SendContext } from '../../engine/provider.js';
import { chunkBody, chunkLength } from '../shared/chunk-body.js';
import { chunkDigestHex } from '../shared/chunk-digest.js';
import { redactUrl, retryAfter } from '../shared/http-status.js';
import { type BoxApi, type CallOptions, boxError } from './box-api.js';
import { MAX_CONFLICT_ROUNDS, resolveConflict, tooManyConflicts } from './conflicts.js';
import type { BoxDest, SessionRef } from './session-ref.js';
import { type BoxFiles, type BoxPart, type BoxParts, type BoxUploadedPart, type BoxUploadSession, contentRange, MAX_PAGE_LIMIT, shaDigestHeader } from './wire.js';

/** Commit answers 202 while Box processes parts; give up after this many attempts. */
export const MAX_COMMIT_ATTEMPTS = 10;
/** Longest single wait a Retry-After may ask of us. */
export const MAX_COMMIT_WAIT_MS = 60_000;

const sessionShape = (v: BoxUploadSession): boolean =>
  typeof v.id === 'string' && Number.isSafeInteger(v.part_size) && v.part_size > 0 && Number.isSafeInteger(v.total_parts)
  && typeof v.session_endpoints === 'object' && v.session_endpoints !== null
  && ['upload_part', 'commit', 'abort', 'list_parts'].every((k) => typeof (v.session_endpoints as unknown as Record<string, unknown>)[k] === 'string');

/** A new session, or undefined when Box says the file is too small for one (use the simple upload). */
export async function createSession(api: BoxApi, dest: BoxDest, size: number, policy: ConflictPolicy, signal: AbortSignal): Promise<{ ref: SessionRef; expiresAt?: number } | undefined> {
  let d = dest;
  for (let round = 0; round < MAX_CONFLICT_ROUNDS; round++) {
    const o: CallOptions = {
      method: 'POST', doing: `creating the Box upload session for ${d.path}`, signal, accept: [201, 400, 409],
      ...(d.fileId === null
        ? { url: `${api.uploadBase}/2.0/files/upload_sessions`, json: { folder_id: d.folderId, file_size: size, file_name: d.name } }
        // A new version of the existing file (policy 'replace').
        : { url: `${api.uploadBase}/2.0/files/${encodeURIComponent(d.fileId)}/upload_sessions`, json: { file_size: size } }),
    };
    const res = await api.call(o);
    const code = boxError(res)?.code;
    if (res.status === 400 && code === 'file_size_too_small') return undefined;
    if (res.status === 400) throw api.error(res, o);
    let s: BoxUploadSession | undefined;
    if (res.status === 201) s = api.parse<BoxUploadSession>(res, o, sessionShape);
    // The create had already succeeded (a retried request): Box's own uploader takes that session.
    else if (code === 'session_conflict') s = boxError(res)?.context_info?.session;
    if (s) {
      if (!sessionShape(s) || s.total_parts !== Math.ceil(size / s.part_size)) {
        throw new FerryError('protocol', `${d.path}: Box offered a session whose part_size ${s.part_size} and total_parts ${s.total_parts} do not fit a ${size}-byte file`, { url: redactUrl(o.url) });
      }
      const ep = s.session_endpoints;
      const expires = Date.parse(s.session_expires_at);
      return {
        ref: { ...d, kind: 'session', id: s.id, partSize: s.part_size, totalParts: s.total_parts, uploadPart: ep.upload_part, commit: ep.commit, abort: ep.abort, listParts: ep.list_parts },
        ...(Number.isFinite(expires) ? { expiresAt: expires } : {}),
      };
    }
    d = await resolveConflict(api, d, res, policy, o);
  }
  throw tooManyConflicts(d);
}

export async function sendPart(api: BoxApi, ref: SessionRef, chunk: Chunk, ctx: SendContext, fileSize: number): Promise<BoxPart> {
  const index = chunk.offset / ref.partSize;
  const sha1 = chunkDigestHex(chunk, 'sha1');
  const o: CallOptions = {
    method: 'PUT', url: ref.uploadPart, doing: `uploading part ${index + 1} of ${ref.totalParts} of ${ref.path}`, body: chunkBody(chunk),
    headers: { 'content-type': 'application/octet-stream', 'content-range': contentRange(chunk.offset, chunkLength(chunk), fileSize), digest: shaDigestHeader(sha1) },
    signal: ctx.signal, accept: [200, 201], ...(ctx.onSent ? { onSent: ctx.onSent } : {}),
    // 416/409: the range overlaps a part Box holds (or misses its grid): ask the server and reconcile.
    codeFor: (status) => (status === 404 ? 'session-gone' : status === 416 || status === 409 ? 'offset-mismatch' : status === 412 ? 'integrity' : undefined),
  };
  const res = await api.call(o);
  const { part } = api.parse<BoxUploadedPart>(res, o, (v) => typeof v.part?.part_id === 'string');
  if (part.offset !== chunk.offset || part.size !== chunkLength(chunk) || String(part.sha1).toLowerCase() !== sha1) {
    throw new FerryError('integrity', `${ref.path}: Box recorded part ${index + 1} as ${part.size} bytes at ${part.offset} with SHA-1 ${part.sha1}, but ${chunkLength(chunk)} bytes at ${chunk.offset} with SHA-1 ${sha1} were sent`, { url: redactUrl(o.url), offset: chunk.offset });
  }
  return part;
}

/** Every part the server holds, paged by entry index until total_count. */
export async function listParts(api: BoxApi, ref: SessionRef, signal: AbortSignal): Promise<BoxPart[]> {
  const out: BoxPart[] = [];
  // Each page returns at least one entry or ends the loop, so total_parts + 1 pages always suffice.
  for (let page = 0; page <= ref.totalParts; page++) {
    const url = new URL(ref.listParts);
    url.searchParams.set('offset', String(out.length));
    url.searchParams.set('limit', String(MAX_PAGE_LIMIT));
    const o: CallOptions = { method: 'GET', url: url.toString(), doing: `listing the parts Box holds for ${ref.path}`, signal, accept: [200], codeFor: (s) => (s === 404 ? 'session-gone' : undefined) };
    const res = await api.call(o);
    const got = api.parse<BoxParts>(res, o, (v) => Array.isArray(v.entries) && typeof v.total_count === 'number');
    for (const p of got.entries) {
      if (typeof p.offset !== 'number' || p.offset % ref.partSize !== 0 || p.offset / ref.partSize >= ref.totalParts) {
        throw new FerryError('protocol', `${ref.path}: Box listed a part at offset ${p.offset}, off the ${ref.partSize}-byte part grid`, { url: redactUrl(o.url) });
      }
      out.push(p);
    }
    if (got.entries.length === 0 || out.length >= got.total_count) return out;
  }
  return out;
}

export async function commitSession(
  api: BoxApi, ref: SessionRef, parts: BoxPart[], sha1Hex: string, signal: AbortSignal,
  sleep: (ms: number, signal: AbortSignal) => Promise<void>,
): Promise<BoxFiles['entries'][number]> {
  const o: CallOptions = {
    method: 'POST', url: ref.commit, doing: `committing ${ref.path}`, json: { parts }, headers: { digest: shaDigestHeader(sha1Hex) },
    signal, accept: [200, 201, 202],
    codeFor: (status, code) => (status === 404 ? 'session-gone' : status === 409 ? 'name-conflict' : code === 'digest_mismatch' ? 'integrity' : undefined),
  };
  let lastWait = 0;
  for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
    const res = await api.call(o);
    if (res.status !== 202) {
      return api.parse<BoxFiles>(res, o, (v) => Array.isArray(v.entries) && typeof v.entries[0]?.id === 'string').entries[0]!;
    }
    // Box is still processing parts: the same commit again after Retry-After (202s are not failures).
    lastWait = Math.min(retryAfter(res) ?? 1000, MAX_COMMIT_WAIT_MS);
    if (attempt < MAX_COMMIT_ATTEMPTS - 1) await sleep(lastWait, signal);
  }
  throw new FerryError('server-error', `${ref.path}: Box was still processing the parts after ${MAX_COMMIT_ATTEMPTS} commit attempts`, { method: 'POST', url: redactUrl(ref.commit), status: 202, retryAfterMs: lastWait });
}

export async function abortSession(api: BoxApi, ref: SessionRef, signal: AbortSignal): Promise<CancelOutcome> {
  const o: CallOptions = { method: 'DELETE', url: ref.abort, doing: `deleting the Box upload session for ${ref.path}`, signal, accept: [204, 200, 404] };
  const res = await api.call(o);
  if (res.status === 404) return { deleted: false, why: 'Box no longer knew the upload session (HTTP 404): nothing is left on the server' };
  return { deleted: true };
}
