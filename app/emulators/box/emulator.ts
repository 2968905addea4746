// The Box emulator (protocols.md 5.8): upload sessions, simple uploads, folders, on loopback.
// Two origins as on the real service: the API (`url`, routes under /2.0) and the upload service
// (`uploadUrl`, routes under /api/2.0); each route answers only on the origin the official SDK
// sends it to (box-typescript-sdk-gen src/managers/*.generated.ts), 404 on the other.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { EmulatorOptions } from '../kit/emulator-types.js';
import { type EmulatorHandler, type RequestContext, type RunningEmulator, resolveEmulatorOptions, startEmulatorHost } from '../kit/emulator-host.js';
import { FileStore } from '../kit/file-store.js';
import { bearer, HttpInputError, readJson, sendEmpty, sendJson } from '../kit/http-io.js';
import { type BoxEmuContext, type BoxEmulatorOptions, reportedSha1, resolveBoxOptions } from './emulator-context.js';
import { listItems } from './emulator-items.js';
import { hostBase, type Origin, originOf, startUploadOrigin } from './emulator-origins.js';
import { BoxHttpError, drain, sendBoxError } from './emulator-reply.js';
import { BoxSessions } from './emulator-sessions.js';
import { BoxSimpleUploads } from './emulator-simple.js';
import { BoxTree, validItemName } from './emulator-tree.js';

export type { BoxEmulatorOptions } from './emulator-context.js';

/** A running Box emulator: `url` is the API base (as https://api.box.com), `uploadUrl` the upload base (as https://upload.box.com/api). */
export interface BoxRunningEmulator extends RunningEmulator {
  readonly uploadUrl: string;
}

/** The upload base of a running Box emulator (for the registry, which sees every emulator as a RunningEmulator). */
export function boxUploadUrl(emu: RunningEmulator): string {
  const u = (emu as Partial<BoxRunningEmulator>).uploadUrl;
  if (typeof u !== 'string') throw new Error(`emulator ${emu.provider} at ${emu.url} has no Box upload origin`);
  return u;
}

export async function startBoxEmulator(opts: EmulatorOptions & BoxEmulatorOptions): Promise<BoxRunningEmulator> {
  const resolved = resolveEmulatorOptions(opts);
  const o = resolveBoxOptions(opts);
  const store = new FileStore(resolved.discard ? undefined : resolved.dataDir, resolved.now);
  const tree = new BoxTree();
  if (!store.discard) {
    await tree.load(join(resolved.dataDir!, 'files'));
    // Sessions live in memory only, so part files left by an earlier run belong to no one.
    await fsp.rm(join(resolved.dataDir!, 'sessions'), { recursive: true, force: true });
  }
  let uploadOrigin = '';
  /** The upload base for the request being answered: its own Host's when it came to the upload port. */
  const uploadBase = new AsyncLocalStorage<string>();
  const emu = await startEmulatorHost('box', resolved, (counters) => {
    const c: BoxEmuContext = { o, tree, store, counters, uploadBase: () => uploadBase.getStore() ?? `${uploadOrigin}/api`, now: resolved.now };
    const router = new BoxRouter(c, new BoxSessions(c), new BoxSimpleUploads(c), resolved.token);
    const handler: EmulatorHandler = {
      handle: (req, res, ctx) => {
        const origin = originOf(req);
        return uploadBase.run(origin === 'upload' ? `${hostBase(req, uploadOrigin)}/api` : `${uploadOrigin}/api`, () => router.handle(req, res, ctx, origin));
      },
      files: () => store.list(),
    };
    return handler;
  });
  let upload;
  try {
    upload = await startUploadOrigin(emu.server, resolved, o.uploadPort);
  } catch (e) {
    await emu.close();
    throw e;
  }
  uploadOrigin = upload.origin;
  return {
    ...emu,
    uploadUrl: `${upload.origin}/api`,
    close: async () => {
      await Promise.all([emu.close(), upload.close()]);
    },
  };
}

class BoxRouter {
  constructor(
    private readonly c: BoxEmuContext,
    private readonly sessions: BoxSessions,
    private readonly simple: BoxSimpleUploads,
    private readonly token: string,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, origin: Origin): Promise<void> {
    try {
      if (bearer(req) !== this.token) {
        drain(req);
        // Box answers a bad token with an empty 401 and a WWW-Authenticate challenge.
        sendEmpty(res, 401, { 'www-authenticate': 'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."' });
        return;
      }
      await this.route(req, res, ctx, origin);
    } catch (e) {
      if (res.headersSent || res.destroyed) return;
      if (e instanceof BoxHttpError) sendBoxError(res, e.status, e.code, e.message, e.contextInfo);
      else if (e instanceof HttpInputError) sendBoxError(res, e.status, 'bad_request', e.message);
      else throw e;
      drain(req);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, origin: Origin): Promise<void> {
    const raw = (req.url ?? '/').split('?')[0] ?? '/';
    // The real prefixes: /2.0 on api.box.com, /api/2.0 on upload.box.com.
    const prefix = origin === 'upload' ? '/api/2.0/' : '/2.0/';
    const m = req.method ?? 'GET';
    const noRoute = (): BoxHttpError => new BoxHttpError(404, 'not_found', `No Box ${origin === 'upload' ? 'upload' : 'API'} route for ${m} ${raw}`);
    if (!raw.startsWith(prefix)) throw noRoute();
    const seg = raw.slice(prefix.length).split('/').filter((s) => s !== '').map(decodeURIComponent);
    const s = (i: number): string => seg[i] ?? '';
    const routes: [Origin, string, string, () => Promise<void> | void][] = [
      ['upload', 'POST', 'files/upload_sessions', () => this.sessions.create(req, res, ctx)],
      ['upload', 'GET', 'files/upload_sessions/*', () => this.sessions.status(res, s(2))],
      ['upload', 'PUT', 'files/upload_sessions/*', () => this.sessions.part(req, res, ctx, s(2))],
      ['upload', 'DELETE', 'files/upload_sessions/*', () => this.sessions.abort(res, s(2))],
      ['upload', 'GET', 'files/upload_sessions/*/parts', () => this.sessions.list(req, res, s(2))],
      ['upload', 'POST', 'files/upload_sessions/*/commit', () => this.sessions.commit(req, res, ctx, s(2))],
      // Telemetry endpoint Box's web uploader posts to; undocumented, so accepted and ignored.
      ['upload', 'POST', 'files/upload_sessions/*/log', async () => { await readJson(req); sendEmpty(res, 204); }],
      ['upload', 'POST', 'files/*/upload_sessions', () => this.sessions.create(req, res, ctx, s(1))],
      ['upload', 'POST', 'files/content', () => this.simple.upload(req, res, ctx)],
      ['upload', 'POST', 'files/*/content', () => this.simple.upload(req, res, ctx, s(1))],
      ['api', 'OPTIONS', 'files/content', () => this.simple.preflight(req, res)],
      ['api', 'OPTIONS', 'files/*/content', () => this.simple.preflight(req, res, s(1))],
      ['api', 'GET', 'files/*/content', () => this.download(res, s(1))],
      ['api', 'GET', 'files/*', () => this.file(res, s(1))],
      ['api', 'POST', 'folders', () => this.createFolder(req, res)],
      ['api', 'GET', 'folders/*', () => this.folder(res, s(1))],
      ['api', 'GET', 'folders/*/items', () => listItems(this.c, req, res, s(1))],
      ['api', 'GET', 'users/me', () => this.me(res)],
    ];
    const fits = (pattern: string): boolean => {
      const want = pattern.split('/');
      return want.length === seg.length && want.every((w, i) => w === '*' || w === seg[i]);
    };
    const here = routes.filter(([o, , pattern]) => o === origin && fits(pattern));
    const route = here.find(([, method]) => method === m);
    if (route) return route[3]();
    // A call meant for the other origin is a 404 there, as on the real hosts.
    const elsewhere = routes.some(([o, method, pattern]) => o !== origin && method === m && fits(pattern));
    if (here.length > 0 && !elsewhere) throw new BoxHttpError(405, 'method_not_allowed', `Method ${m} is not allowed on ${raw}`);
    throw noRoute();
  }

  private async file(res: ServerResponse, id: string): Promise<void> {
    const f = this.c.tree.file(id);
    if (!f) throw notFound('file', id);
    sendJson(res, 200, this.c.tree.fileJson(f, await reportedSha1(this.c, f)));
  }

  /** GET /2.0/users/me: the user the token belongs to (README "users/me"); Box says -1 for unlimited space. */
  private me(res: ServerResponse): void {
    const limit = this.c.o.storageLimitBytes;
    sendJson(res, 200, {
      type: 'user', id: '11446498', name: 'Emulated User', login: 'emulated.user@example.com', status: 'active',
      space_amount: Number.isFinite(limit) ? limit : -1, space_used: this.c.tree.usedBytes(), max_upload_size: 5_368_709_120,
    });
  }

  private folder(res: ServerResponse, id: string): void {
    const f = this.c.tree.folder(id);
    if (!f) throw notFound('folder', id);
    sendJson(res, 200, this.c.tree.folderJson(f));
  }

  /** POST /2.0/folders {name, parent:{id}}; a taken name is a 409 whose conflicts is an array. */
  private async createFolder(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = ((await readJson(req)) ?? {}) as { name?: unknown; parent?: { id?: unknown } };
    const parentId = body.parent?.id;
    if (typeof parentId !== 'string' && typeof parentId !== 'number') throw new BoxHttpError(400, 'bad_request', 'parent.id is required');
    if (!validItemName(body.name)) throw new BoxHttpError(400, 'item_name_invalid', 'Item name invalid');
    const { tree, store } = this.c;
    if (!tree.folder(String(parentId))) throw notFound('folder', String(parentId));
    const clash = tree.named(String(parentId), body.name);
    if (clash) throw new BoxHttpError(409, 'item_name_in_use', 'Item with the same name already exists', { conflicts: [tree.mini(clash)] });
    const f = tree.addFolder(String(parentId), body.name);
    await store.mkdir(tree.folderPath(f.id));
    sendJson(res, 201, tree.folderJson(f));
  }

  /** GET /2.0/files/{id}/content: the stored bytes (nothing to send in discard mode). */
  private async download(res: ServerResponse, fileId: string): Promise<void> {
    const f = this.c.tree.file(fileId);
    if (!f) throw notFound('file', fileId);
    if (this.c.store.discard) throw new BoxHttpError(404, 'not_found', 'The emulator runs in discard mode and keeps no bytes');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(f.size) });
    await new Promise<void>((resolve, reject) => {
      createReadStream(this.c.store.storedPath(this.c.tree.filePath(f))).on('error', reject).pipe(res).on('finish', resolve);
    });
  }
}

function notFound(kind: string, id: string): BoxHttpError {
  return new BoxHttpError(404, 'not_found', `Could not find the specified resource: ${kind} ${id}`);
}
