// Redivis emulator: the Redivis REST API (`/api/v1/tables/...`) in front of a GCS-compatible
// resumable upload server (session URIs, JSON-API initiation, XML-style temp-upload initiation).
// Completed Redivis uploads are listed by `/_emulator/files` as `/{table}/{name}`; objects
// uploaded through the plain GCS initiation as `/{bucket}/{name}`.
//
// Session URIs carry no bearer check (the URI is the capability, as on GCS); `/api/v1` needs the
// token. The plain GCS initiation is not authenticated either: @google-cloud/storage sends no
// Authorization to a custom endpoint (sdk-transcripts 3).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveEmulatorOptions, startEmulatorHost, type RequestContext, type RunningEmulator } from '../kit/emulator-host.js';
import type { EmulatorOptions } from '../kit/emulator-types.js';
import { FileStore } from '../kit/file-store.js';
import { header, sendEmpty } from '../kit/http-io.js';
import { drain, receiveChunk } from './chunk-receiver.js';
import { resolveRedivisOptions, type RedivisEmulatorOptions } from './emulator-options.js';
import { gcsError, sessionUrl } from './gcs-errors.js';
import { handleJsonInitiation, handleSessionRequest } from './gcs-session-routes.js';
import { GcsSessions } from './gcs-sessions.js';
import { handleApi, type ApiDeps, type TempUploadRecord } from './redivis-api-routes.js';
import { RedivisUploads } from './redivis-uploads.js';

export type { RedivisEmulatorOptions } from './emulator-options.js';

const UPLOAD_PATH = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/;
const OBJECT_PATH = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/;
const TEMP_PATH = /^\/temp-uploads\/([A-Za-z0-9]+)$/;

export async function startRedivisEmulator(opts: EmulatorOptions & RedivisEmulatorOptions): Promise<RunningEmulator> {
  const base = resolveEmulatorOptions(opts);
  const ro = resolveRedivisOptions(opts);
  const store = new FileStore(base.discard ? undefined : base.dataDir, base.now);
  const sessions = new GcsSessions(store, base.now, !base.discard || ro.hashInDiscard);
  const uploads = new RedivisUploads(store, ro, base.now);
  const temps = new Map<string, TempUploadRecord>();
  return startEmulatorHost('redivis', base, (counters) => {
    const d: ApiDeps = { sessions, store, opts: ro, counters, token: base.token, uploads, temps };
    return {
      files: () => store.list(),
      handle: (req, res, ctx) => route(req, res, ctx, d),
    };
  });
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: ApiDeps): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.baseUrl);
  if (url.pathname.startsWith('/api/v1/')) return handleApi(req, res, ctx, d, url);
  const up = UPLOAD_PATH.exec(url.pathname);
  if (up) {
    if (url.searchParams.has('upload_id')) return handleSessionRequest(req, res, ctx, d, url.searchParams.get('upload_id'));
    if (req.method === 'POST' && url.searchParams.get('uploadType') === 'resumable') return handleJsonInitiation(req, res, ctx, d, decodeURIComponent(up[1]!), url.searchParams);
    await drain(req);
    return gcsError(res, 400, 'Only resumable uploads (uploadType=resumable) are supported by this emulator.');
  }
  const temp = TEMP_PATH.exec(url.pathname);
  if (temp) return handleTemp(req, res, ctx, d, temp[1]!);
  const obj = OBJECT_PATH.exec(url.pathname);
  if (obj && req.method === 'DELETE') {
    // @google-cloud/storage deletes an object whose checksum it rejects; nothing to undo here.
    await drain(req);
    return sendEmpty(res, 204);
  }
  await drain(req);
  return gcsError(res, 404, `No route for ${req.method} ${url.pathname}`, 'notFound');
}

/**
 * A temp upload's signed URL (current Redivis API, 3.1b): `POST` with `x-goog-resumable: start`
 * opens the resumable session (201 + Location [U: 200 or 201]); `PUT` takes the whole file at once.
 */
async function handleTemp(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: ApiDeps, id: string): Promise<void> {
  const t = d.temps.get(id);
  const found = d.sessions.lookup(t?.sessionId ?? null);
  if (!t || found.kind === 'gone') {
    await drain(req);
    return gcsError(res, found.kind === 'gone' && found.why === 'expired' ? d.opts.goneStatus : 404, 'No such temp upload, or it has expired.', 'notFound');
  }
  const s = found.session;
  if (req.method === 'POST' && (header(req, 'x-goog-resumable') ?? '').toLowerCase() === 'start') {
    await drain(req);
    if (!t.resumable) return gcsError(res, 400, 'This temp upload was not created as resumable.');
    s.api = 'xml';
    return sendEmpty(res, 201, { location: sessionUrl(ctx.baseUrl, s) });
  }
  if (req.method !== 'PUT' || t.resumable) {
    await drain(req);
    return gcsError(res, 400, `Use ${t.resumable ? 'POST with x-goog-resumable: start' : 'a single PUT'} on this temp upload.`);
  }
  return d.sessions.locked(s, async () => {
    if (s.state === 'complete') {
      await drain(req);
      return sendEmpty(res, 200);
    }
    await d.sessions.reset(s);
    const fh = await d.store.openPart(s.id);
    let got;
    try {
      got = await receiveChunk(req, { ...(fh ? { fh } : {}), first: 0, held: 0, keepEnd: t.size, ctx, onPersist: (p) => d.sessions.persisted(s, p) });
    } finally {
      await fh?.close();
    }
    if (!got.ended) return void res.destroy();
    if (got.read !== t.size || got.held !== t.size) {
      await d.sessions.reset(s);
      return gcsError(res, 400, `The body had ${got.read} bytes; the temp upload was declared as ${t.size}.`);
    }
    s.held = got.held;
    d.sessions.complete(s);
    sendEmpty(res, 200);
  });
}
