// The Box emulator (protocols.md 5.8): upload sessions, simple uploads, folders, on loopback.
// Routes answer under both bases the official SDK builds: `${url}` (api.box.com) and
// `${url}/api` (upload.box.com/api); a real client sends uploads to the second, the rest to the first.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { EmulatorOptions } from '../kit/emulator-types.js';
import { type EmulatorHandler, type RequestContext, type RunningEmulator, resolveEmulatorOptions, startEmulatorHost } from '../kit/emulator-host.js';
import { FileStore } from '../kit/file-store.js';
import { bearer, HttpInputError, readJson, sendEmpty, sendJson } from '../kit/http-io.js';
import { type BoxEmuContext, type BoxEmulatorOptions, reportedSha1, resolveBoxOptions } from './emulator-context.js';
import { BoxHttpError, drain, intParam, query, sendBoxError } from './emulator-reply.js';
import { BoxSessions } from './emulator-sessions.js';
import { BoxSimpleUploads } from './emulator-simple.js';
import { BoxTree, validItemName } from './emulator-tree.js';

export type { BoxEmulatorOptions } from './emulator-context.js';

export async function startBoxEmulator(opts: EmulatorOptions & BoxEmulatorOptions): Promise<RunningEmulator> {
  const resolved = resolveEmulatorOptions(opts);
  const o = resolveBoxOptions(opts);
  const store = new FileStore(resolved.discard ? undefined : resolved.dataDir, resolved.now);
  const tree = new BoxTree();
  if (!store.discard) {
    await tree.load(join(resolved.dataDir!, 'files'));
    // Sessions live in memory only, so part files left by an earlier run belong to no one.
    await fsp.rm(join(resolved.dataDir!, 'sessions'), { recursive: true, force: true });
  }
  return startEmulatorHost('box', resolved, (counters, baseUrl) => {
    const c: BoxEmuContext = { o, tree, store, counters, baseUrl, now: resolved.now };
    const router = new BoxRouter(c, new BoxSessions(c), new BoxSimpleUploads(c), resolved.token);
    const handler: EmulatorHandler = {
      handle: (req, res, ctx) => router.handle(req, res, ctx),
      files: () => store.list(),
    };
    return handler;
  });
}

class BoxRouter {
  constructor(
    private readonly c: BoxEmuContext,
    private readonly sessions: BoxSessions,
    private readonly simple: BoxSimpleUploads,
    private readonly token: string,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    try {
      if (bearer(req) !== this.token) {
        drain(req);
        // Box answers a bad token with an empty 401 and a WWW-Authenticate challenge.
        sendEmpty(res, 401, { 'www-authenticate': 'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."' });
        return;
      }
      await this.route(req, res, ctx);
    } catch (e) {
      if (res.headersSent || res.destroyed) return;
      if (e instanceof BoxHttpError) sendBoxError(res, e.status, e.code, e.message, e.contextInfo);
      else if (e instanceof HttpInputError) sendBoxError(res, e.status, 'bad_request', e.message);
      else throw e;
      drain(req);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const path = ((req.url ?? '/').split('?')[0] ?? '/').replace(/^\/api(?=\/)/, '');
    const seg = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const m = req.method ?? 'GET';
    const is = (...want: string[]): boolean => want.length === seg.length && want.every((w, i) => w === '*' || w === seg[i]);
    const only = (...methods: string[]): void => {
      if (!methods.includes(m)) throw new BoxHttpError(405, 'method_not_allowed', `Method ${m} is not allowed on ${path}`);
    };
    const id = seg[3] ?? '';
    if (is('2.0', 'files', 'upload_sessions')) {
      only('POST');
      return this.sessions.create(req, res, ctx);
    }
    if (is('2.0', 'files', 'upload_sessions', '*')) {
      only('GET', 'PUT', 'DELETE');
      if (m === 'GET') return this.sessions.status(res, id);
      if (m === 'PUT') return this.sessions.part(req, res, ctx, id);
      return this.sessions.abort(res, id);
    }
    if (is('2.0', 'files', 'upload_sessions', '*', 'parts')) {
      only('GET');
      return this.sessions.list(req, res, id);
    }
    if (is('2.0', 'files', 'upload_sessions', '*', 'commit')) {
      only('POST');
      return this.sessions.commit(req, res, ctx, id);
    }
    if (is('2.0', 'files', 'upload_sessions', '*', 'log')) {
      // Telemetry endpoint Box's web uploader posts to; undocumented, so accepted and ignored.
      only('POST');
      await readJson(req);
      return sendEmpty(res, 204);
    }
    if (is('2.0', 'files', '*', 'upload_sessions')) {
      only('POST');
      return this.sessions.create(req, res, ctx, seg[2]);
    }
    if (is('2.0', 'files', 'content')) {
      only('POST', 'OPTIONS');
      return m === 'POST' ? this.simple.upload(req, res, ctx) : this.simple.preflight(req, res);
    }
    if (is('2.0', 'files', '*', 'content')) {
      only('POST', 'OPTIONS', 'GET');
      if (m === 'GET') return this.download(res, seg[2]!);
      return m === 'POST' ? this.simple.upload(req, res, ctx, seg[2]) : this.simple.preflight(req, res, seg[2]);
    }
    if (is('2.0', 'files', '*')) {
      only('GET');
      const f = this.c.tree.file(seg[2]!);
      if (!f) throw notFound('file', seg[2]!);
      return sendJson(res, 200, this.c.tree.fileJson(f, await reportedSha1(this.c, f)));
    }
    if (is('2.0', 'folders')) {
      only('POST');
      return this.createFolder(req, res);
    }
    if (is('2.0', 'folders', '*')) {
      only('GET');
      const f = this.c.tree.folder(seg[2]!);
      if (!f) throw notFound('folder', seg[2]!);
      return sendJson(res, 200, this.c.tree.folderJson(f));
    }
    if (is('2.0', 'folders', '*', 'items')) {
      only('GET');
      return this.items(req, res, seg[2]!);
    }
    throw new BoxHttpError(404, 'not_found', `No Box API route for ${m} ${path}`);
  }

  /** GET /2.0/folders/{id}/items?offset&limit: offset paging, folders first, then by name. */
  private async items(req: IncomingMessage, res: ServerResponse, folderId: string): Promise<void> {
    const { tree, o } = this.c;
    if (!tree.folder(folderId)) throw notFound('folder', folderId);
    const q = query(req);
    const offset = intParam(q, 'offset', 0);
    const limit = Math.min(Math.max(1, intParam(q, 'limit', Math.min(100, o.maxPageLimit))), o.maxPageLimit);
    const all = tree.children(folderId);
    const entries = [];
    for (const item of all.slice(offset, offset + limit)) {
      entries.push(tree.isFile(item) ? { ...tree.mini(item), sha1: await reportedSha1(this.c, item) } : tree.mini(item));
    }
    sendJson(res, 200, {
      total_count: all.length, entries, offset, limit,
      order: [{ by: 'type', direction: 'ASC' }, { by: 'name', direction: 'ASC' }],
    });
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
