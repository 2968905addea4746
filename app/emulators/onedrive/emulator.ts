// OneDrive / Microsoft Graph emulator (protocols.md 4.8): createUploadSession by path or by
// parent id, fragment PUTs on a separate upload URL without bearer auth, status, cancel,
// deferred and explicit commits, simple uploads, JSON error bodies, http or https.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { QuickXorHash } from '../../node/quickxor-hash.js';
import type { EmulatorOptions } from '../kit/emulator-types.js';
import { resolveEmulatorOptions, startEmulatorHost, type RequestContext, type RunningEmulator } from '../kit/emulator-host.js';
import { FileStore, cleanRemotePath } from '../kit/file-store.js';
import { HttpInputError, bearer, readBinary, readJson, sendJson } from '../kit/http-io.js';
import { Drive } from './emulator-drive.js';
import { resolveOnedriveOptions, type OnedriveEmulatorOptions, type ResolvedOnedriveOptions } from './emulator-options.js';
import { addressDrive } from './emulator-address.js';
import { GraphReply, decodeDrivePath, refuse, splitTarget } from './emulator-reply.js';
import { UploadSessions } from './emulator-sessions.js';
import { selfSignedCertificate } from './emulator-tls.js';
import type { ConflictBehavior, CreateSessionBody } from '../../providers/onedrive/wire.js';

export type { OnedriveEmulatorOptions } from './emulator-options.js';

export interface RunningOnedriveEmulator extends RunningEmulator {
  /** Graph base for clients: `${url}/v1.0`. */
  readonly graphUrl: string;
  /** The self-signed certificate (PEM) when started with `tls: true`; trust exactly this. */
  readonly certificatePem?: string;
}

const UPLOAD_URL = /\/up\/([A-Za-z0-9]+)$/;
/** Below the drive root (see emulator-address.ts for `/me/drive`, `/drives/{id}`, `/sites/{id}/drive`). */
const BY_PATH = /^\/root:(\/[^:]*):?(\/createUploadSession|\/content)?$/;
const BY_PARENT = /^\/items\/([A-Za-z0-9!]+):\/([^/:]+):\/createUploadSession$/;

export async function startOnedriveEmulator(opts: EmulatorOptions & OnedriveEmulatorOptions): Promise<RunningOnedriveEmulator> {
  const base = resolveEmulatorOptions(opts);
  const od = resolveOnedriveOptions(opts);
  const tls = od.tls ? await selfSignedCertificate() : undefined;
  const store = new FileStore(base.discard ? undefined : base.dataDir, base.now);
  let sessions!: UploadSessions;
  const running = await startEmulatorHost('onedrive', base, (counters) => {
    const drive = new Drive(store, od, base.now);
    sessions = new UploadSessions(drive, od, base.now, counters);
    const router = new Router(drive, sessions, od, base.token, base.now);
    return { handle: (req, res, ctx) => router.handle(req, res, ctx), files: () => store.list() };
  }, tls ? { tls } : {});
  return { ...running, graphUrl: `${running.url}/v1.0`, ...(tls ? { certificatePem: tls.cert } : {}) };
}

class Router {
  constructor(
    private readonly drive: Drive,
    private readonly sessions: UploadSessions,
    private readonly od: ResolvedOnedriveOptions,
    private readonly token: string,
    private readonly now: () => number,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    try {
      await this.route(req, res, ctx);
    } catch (e) {
      const reply = e instanceof GraphReply ? e
        : e instanceof HttpInputError ? new GraphReply(e.status, 'invalidRequest', e.message)
        : new GraphReply(500, 'generalException', `emulator error: ${String(e)}`);
      if (res.headersSent || res.destroyed) return void res.destroy();
      refuse(req, res, reply, this.now());
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const { path, query } = splitTarget(req.url ?? '/');
    const method = req.method ?? '';
    // The upload URL, as given out or as the Graph SDK mangles an http one: /v1.0/http://host/up/ID.
    const up = UPLOAD_URL.exec(path);
    if (up) {
      const s = this.sessions.find(up[1]!, query.get('tempauth'), req);
      if (method === 'PUT') return this.sessions.fragment(req, res, ctx, s);
      if (method === 'GET') return this.sessions.status(res, s);
      if (method === 'DELETE') return this.sessions.cancel(res, s);
      if (method === 'POST') {
        // POST commits only a deferCommit session (driveitem-createuploadsession, "Completing a
        // file"); after a failed last fragment the documented way is the explicit-commit PUT.
        if (!s.deferCommit) throw new GraphReply(400, 'invalidRequest', 'this upload session was not created with deferCommit; commit it with PUT and @microsoft.graph.sourceUrl');
        return this.sessions.commitRequest(res, ctx, s, s.remotePath, s.conflict);
      }
      throw new GraphReply(405, 'invalidRequest', `${method} is not supported on an upload URL`);
    }
    if (!path.startsWith('/v1.0/')) throw new GraphReply(404, 'itemNotFound', `no such resource: ${path}`);
    if (this.od.requireToken && bearer(req) !== this.token) {
      throw new GraphReply(401, 'InvalidAuthenticationToken', req.headers.authorization ? 'Access token validation failure.' : 'Access token is empty.');
    }
    const at = addressDrive(path, this.od);
    if (!at) throw new GraphReply(400, 'invalidRequest', `${method} ${path} is not an API this emulator implements`);
    if (at.rest === '' && method === 'GET') return sendJson(res, 200, this.drive.driveJson());
    const byParent = BY_PARENT.exec(at.rest);
    if (byParent && method === 'POST') {
      const parent = this.drive.folderPath(byParent[1]!);
      return this.createSession(req, res, ctx, cleanPath(posix.join(parent, decodeDrivePath(byParent[2]!))));
    }
    // The explicit commit addresses the parent folder; the drive root has no `root:` path form.
    if (at.rest === '/root' && method === 'PUT') return this.explicitCommit(req, res, ctx, '/');
    const byPath = BY_PATH.exec(at.rest);
    if (byPath) {
      const remote = cleanPath(decodeDrivePath(byPath[1]!));
      if (byPath[2] === '/createUploadSession' && method === 'POST') return this.createSession(req, res, ctx, remote);
      if (byPath[2] === '/content' && method === 'PUT') return this.simpleUpload(req, res, ctx, remote, query);
      if (byPath[2] === undefined && method === 'PUT') return this.explicitCommit(req, res, ctx, remote);
      if (byPath[2] === undefined && method === 'GET') return this.getItem(res, remote);
    }
    throw new GraphReply(400, 'invalidRequest', `${method} ${path} is not an API this emulator implements`);
  }

  private async createSession(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, remotePath: string): Promise<void> {
    const body = ((await readJson(req)) ?? {}) as CreateSessionBody;
    const item = body.item ?? {};
    const conflict = conflictBehavior(item['@microsoft.graph.conflictBehavior'], 'fail');
    if (item.name !== undefined && item.name !== posix.basename(remotePath)) {
      throw new GraphReply(400, 'invalidRequest', `item.name ${JSON.stringify(item.name)} does not match the name in the path ${JSON.stringify(posix.basename(remotePath))}`);
    }
    if (conflict === 'fail' && (await this.drive.exists(remotePath))) await this.drive.place(remotePath, 'fail');
    // "If the fileSize parameter is specified and exceeds the available quota, a 507 … response is returned."
    if (typeof item.fileSize === 'number') this.drive.checkQuota(item.fileSize, conflict === 'replace' ? remotePath : undefined);
    await this.drive.ensureParents(remotePath);
    const s = this.sessions.open(remotePath, conflict, body.deferCommit === true);
    sendJson(res, 200, {
      '@odata.context': `${ctx.baseUrl}/v1.0/$metadata#microsoft.graph.uploadSession`,
      uploadUrl: this.sessions.uploadUrl(ctx.baseUrl, s),
      ...this.sessions.sessionJson(s),
      nextExpectedRanges: ['0-'],
    });
  }

  private async simpleUpload(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, remotePath: string, query: URLSearchParams): Promise<void> {
    const conflict = conflictBehavior(query.get('@microsoft.graph.conflictBehavior') ?? undefined, 'replace');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.od.simpleUploadMaxBytes) {
      throw new GraphReply(413, 'requestTooLarge', `a simple upload takes at most ${this.od.simpleUploadMaxBytes} bytes; use an upload session for ${declared}`);
    }
    const { data, complete } = await readBinary(req, this.od.simpleUploadMaxBytes, ctx);
    if (!complete) return;
    this.drive.checkQuota(data.length, conflict === 'replace' ? remotePath : undefined);
    const place = await this.drive.place(remotePath, conflict);
    await this.drive.store.put(place.path, data);
    const hashes = { quickXor: new QuickXorHash().update(data).digest(), ...(this.od.reportSha1 ? { sha1: createHash('sha1').update(data).digest() } : {}) };
    const item = this.drive.record(place.path, data.length, hashes);
    if (ctx.fault?.kind === 'commit-then-reset') return void res.socket?.destroy();
    sendJson(res, place.replaced ? 200 : 201, item, { location: `${ctx.baseUrl}/v1.0/me/drive/items/${item.id}` });
  }

  /**
   * The explicit commit (driveitem-createuploadsession, "Handle upload errors"): `PUT` to the
   * parent folder (`root:/{path_to_parent}`, or `root` itself) with the file's `name` and
   * `@microsoft.graph.sourceUrl`, the upload URL of a session that holds every byte.
   */
  private async explicitCommit(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, parentPath: string): Promise<void> {
    const body = ((await readJson(req)) ?? {}) as Record<string, unknown>;
    const source = body['@microsoft.graph.sourceUrl'];
    if (typeof source !== 'string') throw new GraphReply(400, 'invalidRequest', 'an explicit commit needs @microsoft.graph.sourceUrl (the upload URL)');
    const name = body['name'];
    if (typeof name !== 'string' || name === '' || name.includes('/')) throw new GraphReply(400, 'invalidRequest', 'an explicit commit needs the file\'s name (one path segment) in "name"');
    const s = this.sessions.findByUrl(source);
    const conflict = conflictBehavior(body['@microsoft.graph.conflictBehavior'], 'fail');
    const remotePath = cleanPath(posix.join(parentPath, name));
    await this.drive.ensureParents(remotePath);
    return this.sessions.commitRequest(res, ctx, s, remotePath, conflict);
  }

  private async getItem(res: ServerResponse, remotePath: string): Promise<void> {
    const item = await this.drive.item(remotePath);
    if (!item) throw new GraphReply(404, 'itemNotFound', `the item ${remotePath} does not exist`);
    sendJson(res, 200, item);
  }
}

function conflictBehavior(v: unknown, fallback: ConflictBehavior): ConflictBehavior {
  if (v === undefined) return fallback;
  if (v === 'fail' || v === 'replace' || v === 'rename') return v;
  throw new GraphReply(400, 'invalidRequest', `@microsoft.graph.conflictBehavior must be fail, replace or rename, not ${JSON.stringify(v)}`);
}

function cleanPath(p: string): string {
  try {
    return cleanRemotePath(p);
  } catch (e) {
    throw new GraphReply(400, 'invalidRequest', `the path ${JSON.stringify(p)} is not acceptable: ${(e as Error).message}`);
  }
}
