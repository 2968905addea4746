// The GCS resumable session protocol (protocols.md 3.2, edge cases 3.4) on `PUT|DELETE {sessionUri}`,
// and the plain JSON-API initiation `POST /upload/storage/v1/b/{bucket}/o?uploadType=resumable`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext, EmulatorCounters } from '../kit/emulator-host.js';
import { header, readJson, sendEmpty } from '../kit/http-io.js';
import type { FileStore } from '../kit/file-store.js';
import { drain, receiveChunk } from './chunk-receiver.js';
import type { ResolvedRedivisOptions } from './emulator-options.js';
import { gcsError, sendIncomplete, sendObject, sessionError, sessionUrl } from './gcs-errors.js';
import type { GcsSession, GcsSessions } from './gcs-sessions.js';
import { parseContentRange, SHORT_CHUNK_MESSAGE } from '../../providers/redivis/wire.js';

export interface SessionRouteDeps {
  sessions: GcsSessions;
  store: FileStore;
  opts: ResolvedRedivisOptions;
  counters: EmulatorCounters;
}

/** Answers a request on a session URI (PUT chunk or status query, DELETE). */
export async function handleSessionRequest(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: SessionRouteDeps, uploadId: string | null): Promise<void> {
  const found = d.sessions.lookup(uploadId);
  if (found.kind === 'gone') {
    await drain(req);
    const status = found.why === 'expired' ? d.opts.goneStatus : 404;
    return gcsError(res, status, found.why === 'expired' ? 'The upload session has expired.' : 'No such upload session.', 'notFound');
  }
  const s = found.session;
  if (req.method === 'DELETE') {
    await drain(req);
    return d.sessions.locked(s, async () => {
      await d.sessions.delete(s);
      d.counters.sessionDeleted();
      // GCS's non-standard "Client Closed Request" (GCS-TB delete_resumable_upload).
      sendEmpty(res, 499);
    });
  }
  if (req.method !== 'PUT') {
    await drain(req);
    return sessionError(res, s, 405, `Method ${req.method} is not allowed on an upload session.`);
  }
  return d.sessions.locked(s, () => handlePut(req, res, ctx, d, s));
}

async function handlePut(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: SessionRouteDeps, s: GcsSession): Promise<void> {
  const no308 = (header(req, 'x-guploader-no-308') ?? '').toLowerCase() === 'yes';
  // After the last byte, every PUT (data or status query) gets the object again.
  if (s.state === 'complete') {
    await drain(req);
    return sendObject(res, s, d.opts);
  }
  const raw = header(req, 'content-range');
  const cr = parseContentRange(raw);
  const declaredLength = header(req, 'content-length');
  if (!cr) {
    await drain(req);
    return sessionError(res, s, 400, `Failed to parse Content-Range header: ${raw ?? '(missing)'}`);
  }
  if (cr.total !== undefined) {
    if (s.total !== undefined && cr.total !== s.total) {
      await drain(req);
      return sessionError(res, s, 400, `Value for Content-Range total (${cr.total}) does not match the upload's declared size (${s.total}).`);
    }
    if (cr.total < s.held) {
      await drain(req);
      return sessionError(res, s, 400, `Content-Range total ${cr.total} is smaller than the ${s.held} bytes already received.`);
    }
  }
  // Status query (`bytes */total`, `bytes */*`) or the Python client's `bytes 0--1/0` for an empty file.
  if (cr.first === undefined || cr.emptyFile) {
    const read = await bodyLength(req);
    if (read > 0) return sessionError(res, s, 400, 'A status query (Content-Range: bytes */...) must not carry a body.');
    if (cr.total !== undefined && s.held === cr.total) return completeAndAnswer(res, ctx, d, s);
    return sendIncomplete(res, s.held, no308);
  }
  const first = cr.first;
  const expected = cr.last !== undefined ? cr.last - first + 1 : undefined;
  if (expected !== undefined && declaredLength !== undefined && Number(declaredLength) !== expected) {
    await drain(req);
    return sessionError(res, s, 400, `Content-Length ${declaredLength} does not match the ${expected} bytes named by Content-Range ${raw}.`);
  }
  const final = cr.total !== undefined && cr.last !== undefined && cr.last + 1 === cr.total;
  if (!final && expected !== undefined && expected < d.opts.granule) {
    await drain(req);
    return sessionError(res, s, 400, SHORT_CHUNK_MESSAGE.replace('%d', String(expected)));
  }
  if (first > s.held) {
    await drain(req);
    if (d.opts.gaps === 'ignore') return sendIncomplete(res, s.held, no308);
    return sessionError(res, s, 400, `Content-Range starts at byte ${first} but only ${s.held} bytes have been received; chunks must be contiguous.`);
  }
  let keepEnd = cr.last !== undefined ? cr.last + 1 : Infinity;
  if (d.opts.persistLimit !== undefined) keepEnd = Math.min(keepEnd, s.held + d.opts.persistLimit);
  if (!final && d.opts.unalignedChunks === 'aligned') keepEnd = Math.floor(keepEnd / d.opts.granule) * d.opts.granule;
  keepEnd = Math.max(keepEnd, s.held);

  const fh = await d.store.openPart(s.id);
  let got;
  try {
    got = await receiveChunk(req, { ...(fh ? { fh } : {}), first, held: s.held, keepEnd, ctx, onPersist: (p) => d.sessions.persisted(s, p) });
  } finally {
    await fh?.close();
  }
  s.held = got.held;
  // A streamed body of unknown length and total (`bytes 0-*/*`) ends the upload when it ends.
  if (got.ended && cr.last === undefined && cr.total === undefined) s.total = s.held;
  if (cr.total !== undefined) s.total = cr.total;
  const done = s.total !== undefined && s.held === s.total;
  if (!got.ended) {
    // The client is gone (or a fault cut it); bytes that reached the disk stay held.
    if (done) await complete(d, s);
    if (!res.headersSent) res.destroy();
    return;
  }
  if (expected !== undefined && got.read !== expected) {
    return sessionError(res, s, 400, `The request body had ${got.read} bytes but Content-Range ${raw} names ${expected}.`);
  }
  if (done) return completeAndAnswer(res, ctx, d, s);
  if (ctx.fault?.kind === 'commit-then-reset') return void res.socket?.destroy();
  return sendIncomplete(res, s.held, no308);
}

async function complete(d: SessionRouteDeps, s: GcsSession): Promise<void> {
  d.sessions.complete(s);
  // Plain GCS objects exist as soon as the last byte lands; Redivis ones wait for the table's finalize.
  if (s.origin.kind === 'gcs') await d.store.commit(s.id, `/${s.bucket}/${s.objectName}`, s.held);
}

async function completeAndAnswer(res: ServerResponse, ctx: RequestContext, d: SessionRouteDeps, s: GcsSession): Promise<void> {
  await complete(d, s);
  if (ctx.fault?.kind === 'commit-then-reset') return void res.socket?.destroy();
  sendObject(res, s, d.opts);
}

async function bodyLength(req: IncomingMessage): Promise<number> {
  let n = 0;
  try {
    for await (const c of req as AsyncIterable<Buffer>) n += c.length;
  } catch {
    return n;
  }
  return n;
}

/** `POST /upload/storage/v1/b/{bucket}/o?uploadType=resumable&name=...`: 200 + Location (JSON API). */
export async function handleJsonInitiation(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: SessionRouteDeps, bucket: string, query: URLSearchParams): Promise<void> {
  let meta: { name?: unknown; contentType?: unknown } = {};
  try {
    meta = ((await readJson(req, 64 * 1024)) ?? {}) as typeof meta;
  } catch {
    return gcsError(res, 400, 'The initiation body is not valid JSON metadata.');
  }
  const name = query.get('name') ?? (typeof meta.name === 'string' ? meta.name : undefined);
  if (!name) return gcsError(res, 400, 'Required parameter "name" is missing.', 'required');
  const lengthHeader = header(req, 'x-upload-content-length');
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  const contentType = header(req, 'x-upload-content-type') ?? (typeof meta.contentType === 'string' ? meta.contentType : undefined);
  const s = await d.sessions.create({
    bucket, objectName: name, origin: { kind: 'gcs' }, ttlMs: d.opts.gcsSessionTtlMs,
    ...(total !== undefined ? { total } : {}), ...(contentType ? { contentType } : {}),
  });
  d.counters.sessionCreated();
  sendEmpty(res, 200, { location: sessionUrl(ctx.baseUrl, s) });
}
