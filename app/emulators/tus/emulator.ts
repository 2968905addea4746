// A tus 1.0 server for `ferry emulate tus`, the sandbox, tests and benchmarks: core protocol plus
// creation, creation-with-upload, creation-defer-length, termination, expiration and checksum.
// `url` is the creation endpoint (`<origin>/files/`); `/_emulator/*` lives at the origin.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveEmulatorOptions, startEmulatorHost, type RequestContext, type RunningEmulator } from '../kit/emulator-host.js';
import type { EmulatorOptions } from '../kit/emulator-types.js';
import { FileStore } from '../kit/file-store.js';
import { bearer, header, sendEmpty } from '../kit/http-io.js';
import { appendBody, completeUpload, type DataEnv, type DiskFullAnswer } from './emulator-data.js';
import { createUpload } from './emulator-create.js';
import { UploadTable, type ExpiryBasis, type LockMode, type TusUpload } from './emulator-uploads.js';
import { ALL_EXTENSIONS, OFFSET_CONTENT_TYPE, parseNonNegativeInt, STATUS_LOCKED, TUS_VERSION, type TusChecksumAlgorithm, type TusExtension } from '../../providers/tus/wire.js';

/** Behaviour the spec leaves open, as named options. Defaults are what `ferry emulate tus` does. */
export interface TusEmulatorOptions {
  /** Creation endpoint path; upload URLs are `<basePath><id>`. Default '/files/'. */
  basePath?: string;
  /** Demand `Authorization: Bearer <token>` on everything but OPTIONS (tus has no auth; private servers add it). Default true. */
  requireAuth?: boolean;
  /** Largest upload accepted, advertised as Tus-Max-Size. Default: no limit and no header. */
  maxSize?: number;
  /** Lifetime of an unfinished upload in ms, by the injected clock; 0 = never expires. Default 24 h. */
  expirationMs?: number;
  /** Expiry counts from creation (as @tus/server does) or from the last PATCH. Default 'creation'. */
  expiryBasis?: ExpiryBasis;
  /** Answer for an expired upload: 410 (tracked, spec SHOULD) or 404. Default 410. Terminated uploads answer 404. */
  expiredStatus?: 404 | 410;
  /**
   * A second request (HEAD, PATCH, DELETE) on a busy upload: 'takeover' stops the running one and
   * goes next, as @tus/server does; 'serialise' waits its turn; 'reject' answers 423. Default 'takeover'.
   */
  lockMode?: LockMode;
  /** Tus-Checksum-Algorithm. Default ['sha1', 'md5']; sha1 is required by the spec. */
  checksumAlgorithms?: TusChecksumAlgorithm[];
  /** Extensions to leave out, to mimic smaller servers (e.g. ['checksum', 'termination']). Default none. */
  disabledExtensions?: TusExtension[];
  /** Send a path-only Location ('/files/<id>') instead of an absolute URL. Default false. */
  relativeLocation?: boolean;
  /**
   * Status for a missing or wrong token: 401 (with WWW-Authenticate), or 403 "Access denied" on
   * every request but OPTIONS, as @tus/server's onIncomingRequest access-control example does
   * (it runs on HEAD too) and tusd's pre-create hook may. Default 401.
   */
  authFailureStatus?: 401 | 403;
  /** Bytes of upload data the disk holds before ENOSPC; default unlimited. */
  diskBytes?: number;
  /** How the server reports a full disk (see DiskFullAnswer). Default 'tusd'. */
  diskFullAnswer?: DiskFullAnswer;
}

export interface RunningTusEmulator extends RunningEmulator {
  /** Treats the next `n` checksummed bodies as damaged in transit: each gets 460 and is discarded. */
  corruptNext(n: number): void;
}

export async function startTusEmulator(opts: EmulatorOptions & TusEmulatorOptions): Promise<RunningTusEmulator> {
  const o = resolveEmulatorOptions(opts);
  const basePath = normaliseBase(opts.basePath ?? '/files/');
  const requireAuth = opts.requireAuth ?? true;
  const lockMode = opts.lockMode ?? 'takeover';
  const extensions = ALL_EXTENSIONS.filter((e) => !(opts.disabledExtensions ?? []).includes(e));
  const has = (e: TusExtension): boolean => extensions.includes(e);
  const table = new UploadTable({
    now: o.now,
    expirationMs: has('expiration') ? (opts.expirationMs ?? 24 * 3600_000) : 0,
    expiryBasis: opts.expiryBasis ?? 'creation',
    expiredStatus: opts.expiredStatus ?? 410,
  });
  const store = new FileStore(o.discard ? undefined : o.dataDir, o.now);
  const corruption = { left: 0 };
  const env: DataEnv = {
    store,
    table,
    checksums: new Set(has('checksum') ? (opts.checksumAlgorithms ?? ['sha1', 'md5']) : []),
    maxSize: opts.maxSize,
    corruption,
    ...(opts.diskBytes !== undefined ? { disk: { free: opts.diskBytes, answer: opts.diskFullAnswer ?? 'tusd' } } : {}),
  };

  const running = await startEmulatorHost('tus', o, (counters, baseUrl) => {
    const common = (extra: Record<string, string> = {}): Record<string, string> => ({ 'tus-resumable': TUS_VERSION, ...extra });
    const fail = (req: IncomingMessage, res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void => {
      req.resume();
      const body = `${text}\n`;
      res.writeHead(status, { ...common(extra), 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    };
    const expiresHeader = (u: TusUpload): Record<string, string> => {
      const at = table.expiresAt(u);
      return at === undefined ? {} : { 'upload-expires': new Date(at).toUTCString() };
    };
    const dropBytes = async (u: TusUpload): Promise<void> => store.removePart(u.id);

    const options = (res: ServerResponse): void => {
      const checksums = [...env.checksums];
      sendEmpty(res, 204, common({
        'tus-version': TUS_VERSION,
        'tus-extension': extensions.join(','),
        ...(opts.maxSize !== undefined ? { 'tus-max-size': String(opts.maxSize) } : {}),
        ...(checksums.length > 0 ? { 'tus-checksum-algorithm': checksums.join(',') } : {}),
      }));
    };

    const head = async (req: IncomingMessage, res: ServerResponse, id: string): Promise<void> => {
      // Under the lock, so HEAD never reports an offset a PATCH that just ended has yet to commit.
      const outcome = await table.withLock(id, lockMode, async () => {
        const found = await table.lookup(id, dropBytes);
        if ('status' in found) return fail(req, res, found.status, found.why, { 'cache-control': 'no-store' });
        const u = found.upload;
        sendEmpty(res, 200, common({
          'cache-control': 'no-store',
          'upload-offset': String(u.offset),
          ...(u.length === undefined ? { 'upload-defer-length': '1' } : { 'upload-length': String(u.length) }),
          ...(u.metadataHeader !== undefined ? { 'upload-metadata': u.metadataHeader } : {}),
          ...expiresHeader(u),
        }));
      });
      if (outcome === 'locked') fail(req, res, STATUS_LOCKED, 'upload is locked by another request', { 'cache-control': 'no-store' });
    };

    const patch = async (req: IncomingMessage, res: ServerResponse, ctx: RequestContext, id: string): Promise<void> => {
      if (header(req, 'content-type') !== OFFSET_CONTENT_TYPE) return fail(req, res, 415, `Content-Type must be ${OFFSET_CONTENT_TYPE}`);
      const offset = parseNonNegativeInt(header(req, 'upload-offset'));
      if (offset === undefined) return fail(req, res, 400, 'Upload-Offset header missing or invalid');
      // Taken over: stop reading this body; what arrived so far is kept as for any cut body.
      const socket = req.socket;
      const outcome = await table.withLock(id, lockMode, async () => {
        const found = await table.lookup(id, dropBytes);
        if ('status' in found) return fail(req, res, found.status, found.why);
        const u = found.upload;
        if (offset !== u.offset) return fail(req, res, 409, `Upload-Offset ${offset} does not match the upload's offset ${u.offset}`);
        const lengthHeader = header(req, 'upload-length');
        if (lengthHeader !== undefined) {
          const length = parseNonNegativeInt(lengthHeader);
          if (length === undefined || (u.length !== undefined && length !== u.length) || length < u.offset) return fail(req, res, 400, 'Upload-Length is invalid or cannot change');
          if (opts.maxSize !== undefined && length > opts.maxSize) return fail(req, res, 413, `Upload-Length exceeds Tus-Max-Size ${opts.maxSize}`);
          u.length = length;
        }
        const r = await appendBody(req, ctx, u, env);
        if (r.kind === 'error') return fail(req, res, r.status, r.text);
        if (u.length !== undefined && u.offset === u.length && !u.complete) await completeUpload(u, store);
        if (r.kind === 'client-gone' || res.destroyed) return;
        if (ctx.fault?.kind === 'commit-then-reset') { socket.destroy(); return; }
        sendEmpty(res, 204, common({ 'upload-offset': String(u.offset), ...expiresHeader(u) }));
      }, () => socket.destroy());
      if (outcome === 'locked') fail(req, res, STATUS_LOCKED, 'upload is locked by another request');
    };

    const del = async (req: IncomingMessage, res: ServerResponse, id: string): Promise<void> => {
      if (!has('termination')) return fail(req, res, 405, 'termination is not supported', { allow: 'OPTIONS, POST, HEAD, PATCH' });
      const outcome = await table.withLock(id, lockMode, async () => {
        const found = await table.lookup(id, dropBytes);
        if ('status' in found) return fail(req, res, found.status, found.why);
        if (found.upload.complete) return fail(req, res, 400, 'a finished upload cannot be terminated');
        table.terminate(id);
        await store.removePart(id);
        counters.sessionDeleted();
        req.resume();
        sendEmpty(res, 204, common());
      });
      if (outcome === 'locked') fail(req, res, STATUS_LOCKED, 'upload is locked by another request');
    };

    return {
      files: () => store.list(),
      async handle(req, res, ctx) {
        // X-HTTP-Method-Override lets clients behind restrictive proxies send PATCH/DELETE as POST.
        const method = (header(req, 'x-http-method-override') ?? req.method ?? '').toUpperCase();
        const path = (req.url ?? '').split('?')[0] ?? '';
        if (method === 'OPTIONS') { req.resume(); return options(res); }
        if (requireAuth && bearer(req) !== o.token) {
          if (opts.authFailureStatus === 403) return fail(req, res, 403, 'Access denied');
          return fail(req, res, 401, 'missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
        }
        if (header(req, 'tus-resumable') !== TUS_VERSION) return fail(req, res, 412, `Tus-Resumable ${TUS_VERSION} required`, { 'tus-version': TUS_VERSION });
        if (path === basePath || path === basePath.slice(0, -1)) {
          if (method !== 'POST') return fail(req, res, 405, `${method} is not allowed on the creation endpoint`, { allow: 'OPTIONS, POST' });
          return createUpload(req, res, ctx, { env, table, has, basePath, baseUrl: baseUrl(), relativeLocation: opts.relativeLocation ?? false, common, fail, expiresHeader, created: counters.sessionCreated });
        }
        const id = path.startsWith(basePath) ? path.slice(basePath.length) : '';
        if (!/^[A-Za-z0-9_-]+$/.test(id)) return fail(req, res, 404, 'not found');
        if (method === 'HEAD') return head(req, res, id);
        if (method === 'PATCH') return patch(req, res, ctx, id);
        if (method === 'DELETE') return del(req, res, id);
        return fail(req, res, 405, `${method} is not allowed on an upload`, { allow: 'OPTIONS, HEAD, PATCH, DELETE' });
      },
    };
  });

  return {
    ...running,
    url: `${running.url}${basePath}`,
    corruptNext: (n) => { corruption.left = n; },
  };
}

function normaliseBase(p: string): string {
  const withLead = p.startsWith('/') ? p : `/${p}`;
  return withLead.endsWith('/') ? withLead : `${withLead}/`;
}
