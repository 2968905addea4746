// The Redivis REST routes under `/api/v1` (protocols.md 3.1): create a resumable upload (legacy)
// or temp uploads (current), finalize an upload on a table, and read or delete that upload.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../kit/emulator-host.js';
import { bearer, HttpInputError, readJson, sendEmpty, sendJson } from '../kit/http-io.js';
import { drain } from './chunk-receiver.js';
import { sessionUrl } from './gcs-errors.js';
import type { SessionRouteDeps } from './gcs-session-routes.js';
import type { GcsSession } from './gcs-sessions.js';
import { RedivisUploads } from './redivis-uploads.js';
import type { RedivisErrorBody, ResumableUpload, TempUpload, TempUploadRequest } from '../../providers/redivis/wire.js';

export interface TempUploadRecord { id: string; table: string; size: number; resumable: boolean; sessionId: string }

export interface ApiDeps extends SessionRouteDeps {
  token: string;
  uploads: RedivisUploads;
  temps: Map<string, TempUploadRecord>;
}

/** Bucket that holds Redivis' not-yet-finalized uploads (the name only shows in object resources). */
export const REDIVIS_BUCKET = 'redivis-uploads';

export function redivisError(res: ServerResponse, status: number, error: string, description: string): void {
  const body: RedivisErrorBody = { error, error_description: description, status };
  sendJson(res, status, body);
}

const TABLE = /^\/api\/v1\/tables\/([^/]+)$/;
const ROUTE = /^\/api\/v1\/tables\/([^/]+)\/(resumableUpload|tempUploads|uploads)(?:\/([^/]+))?$/;

export async function handleApi(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: ApiDeps, url: URL): Promise<void> {
  if (bearer(req) !== d.token) {
    await drain(req);
    return redivisError(res, 401, 'invalid_token', 'The access token provided is missing, expired, revoked, or invalid.');
  }
  const whole = TABLE.exec(url.pathname);
  if (whole && req.method === 'GET') {
    // GET /tables/:ref: the table resource (README "Table resource"); any well-formed name exists here.
    const ref = safeDecode(whole[1]!);
    await drain(req);
    if (ref === undefined || !validName(ref)) return redivisError(res, 404, 'not_found', `No table ${whole[1]}`);
    return sendJson(res, 200, { kind: 'table', name: ref.split('.').at(-1), qualifiedReference: ref, scopedReference: ref, uri: `/tables/${ref}` });
  }
  const m = ROUTE.exec(url.pathname);
  const table = m ? safeDecode(m[1]!) : undefined;
  const item = m?.[3] !== undefined ? safeDecode(m[3]) : undefined;
  if (!m || table === undefined || !validName(table) || (m[3] !== undefined && (item === undefined || !validName(item)))) {
    await drain(req);
    return redivisError(res, 404, 'not_found', `No route or table for ${req.method} ${url.pathname}`);
  }
  try {
    const route = `${req.method} ${m[2]}${item !== undefined ? '/:name' : ''}`;
    switch (route) {
      case 'POST resumableUpload': return await createResumable(req, res, ctx, d, table, url);
      case 'POST tempUploads': return await createTemps(req, res, ctx, d, table);
      case 'POST uploads': return await finalize(req, res, d, table);
      case 'GET uploads/:name': {
        const u = await d.uploads.poll(table, item!);
        return u ? sendJson(res, 200, u) : redivisError(res, 404, 'not_found', `No upload named "${item}" on table ${table}`);
      }
      case 'HEAD uploads/:name':
        // A HEAD answer has no body: Redivis sends its error body percent-encoded in
        // X-REDIVIS-ERROR-PAYLOAD (redivis-python `common/api_request.py process_request_response`).
        if (d.uploads.find(table, item!)) return sendEmpty(res, 200);
        return sendEmpty(res, 404, { 'x-redivis-error-payload': encodeURIComponent(JSON.stringify({ error: 'not_found', error_description: `No upload named "${item}" on table ${table}`, status: 404 })) });
      case 'DELETE uploads/:name':
        return (await d.uploads.delete(table, item!)) ? sendEmpty(res, 204) : redivisError(res, 404, 'not_found', `No upload named "${item}" on table ${table}`);
      default:
        await drain(req);
        return redivisError(res, 405, 'method_not_allowed', `${req.method} is not supported on ${url.pathname}`);
    }
  } catch (e) {
    if (e instanceof HttpInputError) return redivisError(res, e.status, 'invalid_request', e.message);
    throw e;
  }
}

async function createResumable(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: ApiDeps, table: string, url: URL): Promise<void> {
  // The doc says `?size=` with an empty body; the 2022 Python client sent `{"size": N}` (3.1a): take both.
  const body = (await readJson(req)) as { size?: unknown } | undefined;
  const raw = url.searchParams.get('size') ?? (body && body.size !== undefined ? String(body.size) : undefined);
  if (raw === undefined || !/^\d+$/.test(raw)) return redivisError(res, 400, 'invalid_request', 'Parameter "size" is required and must be a non-negative integer');
  if (overQuota(res, d, Number(raw))) return;
  const s = await newSession(d, table, Number(raw));
  const out: ResumableUpload = { kind: 'resumableUpload', id: s.id, url: sessionUrl(ctx.baseUrl, s) };
  sendJson(res, 200, out);
}

async function createTemps(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: ApiDeps, table: string): Promise<void> {
  const body = (await readJson(req)) as { tempUploads?: unknown } | undefined;
  const items = body?.tempUploads;
  const ok = Array.isArray(items) && items.length > 0 && items.every((t: Partial<TempUploadRequest>) =>
    typeof t === 'object' && t !== null && typeof t.name === 'string' && Number.isInteger(t.size) && (t.size ?? -1) >= 0);
  if (!ok) return redivisError(res, 400, 'invalid_request', '"tempUploads" must be a non-empty list of {size, name, resumable}');
  if (overQuota(res, d, (items as TempUploadRequest[]).reduce((n, t) => n + t.size, 0))) return;
  const results: TempUpload[] = [];
  for (const t of items as TempUploadRequest[]) {
    const s = await newSession(d, table, t.size);
    const resumable = t.resumable === true;
    d.temps.set(s.id, { id: s.id, table, size: t.size, resumable, sessionId: s.id });
    results.push({ kind: 'tempUpload', id: s.id, url: `${ctx.baseUrl}/temp-uploads/${s.id}?X-Goog-Signature=${s.id.slice(2, 10)}`, name: t.name, size: t.size, resumable });
  }
  sendJson(res, 200, { kind: 'tempUploadList', results });
}

/** The `quotaBytes` option [U]: refuses an upload that would not fit in what is left. */
function overQuota(res: ServerResponse, d: ApiDeps, size: number): boolean {
  if (d.opts.quotaBytes === undefined) return false;
  const left = Math.max(0, d.opts.quotaBytes - d.uploads.used());
  if (size <= left) return false;
  redivisError(res, d.opts.quotaStatus, 'storage_limit_exceeded', `This upload of ${size} bytes exceeds your storage limit: ${left} bytes are left`);
  return true;
}

async function newSession(d: ApiDeps, table: string, size: number): Promise<GcsSession> {
  const s = await d.sessions.create({ bucket: REDIVIS_BUCKET, objectName: (id) => `${table}/${id}`, origin: { kind: 'redivis', table }, total: size, ttlMs: d.opts.sessionTtlMs });
  d.counters.sessionCreated();
  return s;
}

async function finalize(req: IncomingMessage, res: ServerResponse, d: ApiDeps, table: string): Promise<void> {
  const body = ((await readJson(req)) ?? {}) as { name?: unknown; type?: unknown; resumableUploadId?: unknown; tempUploadId?: unknown };
  if (typeof body.name !== 'string' || !validName(body.name)) return redivisError(res, 400, 'invalid_request', 'Parameter "name" is required and must be a plain file name');
  const name = body.name;
  const ref = typeof body.resumableUploadId === 'string' ? body.resumableUploadId : typeof body.tempUploadId === 'string' ? d.temps.get(body.tempUploadId)?.sessionId : undefined;
  const found = ref !== undefined ? d.sessions.lookup(ref) : undefined;
  const s = found?.kind === 'ok' ? found.session : undefined;
  const bad = (why: string): void => redivisError(res, d.opts.finalizeErrorStatus, 'invalid_request', why);
  if (!s || s.origin.kind !== 'redivis' || s.origin.table !== table) return bad(`The resumable upload "${String(body.resumableUploadId ?? body.tempUploadId)}" does not exist or has expired for table ${table}`);
  if (s.state !== 'complete') return bad(`The resumable upload "${s.id}" is incomplete: ${s.held} of ${s.total ?? '?'} bytes received`);
  // A repeated finalize (its answer was lost) gets the same upload back [U].
  if (s.finalizedAs !== undefined) {
    const u = s.finalizedAs === name ? d.uploads.get(table, name) : undefined;
    return u ? sendJson(res, 200, u) : bad(`The resumable upload "${s.id}" was already used for upload "${s.finalizedAs}"`);
  }
  if (d.uploads.get(table, name)) return redivisError(res, 409, 'conflict', `An upload named "${name}" already exists on table ${table}`);
  sendJson(res, 200, d.uploads.create(table, name, typeof body.type === 'string' ? body.type : 'delimited', s));
}

/** Names and table references become path segments on disk: no separators, no dot-dot, no NUL. */
function validName(n: string): boolean {
  return n.length > 0 && n.length <= 1024 && !/[/\\\0]/.test(n) && n !== '.' && n !== '..';
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
