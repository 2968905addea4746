// A local Synapse: the file service's multipart API, the repository's Folder and FileEntity
// creation and upload destinations on one loopback port (protocols.md 2.8), as one Synapse web
// application serves /repo/v1 and /file/v1; the fake S3 behind the presigned part URLs on a
// second port, as S3 is another host (README "Presigned part URLs: another origin").
//
//   POST {url}/file/v1/file/multipart?forceRestart=     start or resume (idempotent)
//   POST {url}/file/v1/file/multipart/{id}/presigned/url/batch
//   PUT  {url}/file/v1/file/multipart/{id}/add/{n}?partMD5Hex=
//   PUT  {url}/file/v1/file/multipart/{id}/complete
//   GET  {url}/file/v1/fileHandle/{id}
//   GET  {url}/file/v1/entity/{id}/uploadDestination
//   POST {url}/repo/v1/entity                          Folder or FileEntity
//   POST {url}/repo/v1/entity/child                    lookup by parent and name
//   GET  {url}/repo/v1/entity/{id}
//   PUT  {url}/repo/v1/entity/{id}?newVersion=        update with the etag; new file versions
//   GET  {url}/repo/v1/entity/{id}/version/{n}
//   PUT  {s3}/_s3/{id}/{n}?X-Amz-...                   presigned part upload (no bearer token)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveEmulatorOptions, startEmulatorHost, type RequestContext, type RunningEmulator } from '../kit/emulator-host.js';
import type { EmulatorOptions } from '../kit/emulator-types.js';
import { HttpInputError, bearer, readJson, sendJson } from '../kit/http-io.js';
import { EmulatorBlobs } from './emulator-blobs.js';
import { EmulatorRepo } from './emulator-repo.js';
import { FakeS3, S3_PREFIX } from './emulator-s3.js';
import { startS3Origin } from './emulator-s3-origin.js';
import type { StorageOptions } from './emulator-storage.js';
import { EmulatorUploads } from './emulator-uploads.js';
import { SynapseHttpError, type EmulatorLimits } from './emulator-validate.js';
import { ERROR_RESPONSE, MAX_FILE_SIZE, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE, PRESIGNED_TTL_MS, UPLOAD_EXPIRE_MS } from '../../providers/synapse/wire.js';

export interface SynapseEmulatorOptions extends StorageOptions {
  /** Smallest part: checked on start (partSizeBytes) and, like S3's EntityTooSmall, for every non-final part at complete. Default 5 MiB. */
  minPartSize?: number;
  /** Largest part size accepted on start. Default 5 GiB. */
  maxPartSize?: number;
  /** Most parts one upload may need. Default 10,000. */
  maxParts?: number;
  /** Presigned URL lifetime. Default 15 minutes. */
  presignedTtlMs?: number;
  /** Upload records not updated for this long are cleared; 0 disables the cleanup. Default 30 days. */
  cleanupAfterMs?: number;
  /** User id of the main token. Default '3350396'. */
  userId?: string;
  /** More accepted tokens and their user ids (to test "only the user that started ..."). */
  extraUsers?: Record<string, string>;
  /** [U] A field sent as null hashes like an omitted one. Default true. */
  nullEqualsAbsent?: boolean;
}

export async function startSynapseEmulator(opts: EmulatorOptions & SynapseEmulatorOptions): Promise<RunningEmulator> {
  const o = resolveEmulatorOptions(opts);
  const limits: EmulatorLimits = {
    minPartSize: opts.minPartSize ?? MIN_PART_SIZE,
    maxPartSize: opts.maxPartSize ?? MAX_PART_SIZE,
    maxParts: opts.maxParts ?? MAX_PARTS,
    maxFileSize: MAX_FILE_SIZE,
    cleanupAfterMs: opts.cleanupAfterMs ?? UPLOAD_EXPIRE_MS,
    nullEqualsAbsent: opts.nullEqualsAbsent ?? true,
  };
  const users = new Map<string, string>([[o.token, opts.userId ?? '3350396'], ...Object.entries(opts.extraUsers ?? {})]);

  let apiOrigin = '';
  let s3Origin = '';
  /**
   * Where presigned URLs point: the S3 port, unless the request came through a proxy on loopback
   * (its Host names another port): then that proxy, which forwards to the API port, where the S3
   * paths answer too, so a test's fault proxy or the bench's delay proxy stays in front of the parts.
   */
  const s3Base = (base: string): string => (base === apiOrigin && s3Origin ? s3Origin : base);

  const emu = await startEmulatorHost('synapse', o, (counters, baseUrl) => {
    const blobs = new EmulatorBlobs(o.discard ? undefined : o.dataDir, o.now);
    const s3 = new FakeS3(blobs, opts.presignedTtlMs ?? PRESIGNED_TTL_MS, o.now);
    const uploads = new EmulatorUploads(limits, blobs, s3, counters, o.now);
    const repo = new EmulatorRepo(uploads, blobs, o.now, opts);

    const route = async (req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> => {
      const u = new URL(req.url ?? '/', 'http://x');
      const path = u.pathname;
      if (path.startsWith(S3_PREFIX)) return s3.handle(req, res, ctx);

      // No header: the anonymous user; a header with an unknown token: 401 [U: exact reason].
      const token = bearer(req);
      const userId = token === undefined ? undefined : users.get(token);
      if (token !== undefined && userId === undefined) throw new SynapseHttpError(401, 'Invalid access token');
      await uploads.sweep();

      const m = req.method;
      let hit: RegExpExecArray | null;
      if (m === 'POST' && path === '/file/v1/file/multipart') {
        const body = await readJson(req);
        return created(res, ctx, uploads.startOrResume(userId, body, u.searchParams.get('forceRestart') === 'true'));
      }
      if (m === 'POST' && (hit = /^\/file\/v1\/file\/multipart\/([^/]+)\/presigned\/url\/batch$/.exec(path))) {
        const body = await readJson(req);
        return created(res, ctx, uploads.presigned(userId, decodeURIComponent(hit[1]!), body, s3Base(baseUrl())));
      }
      if (m === 'PUT' && (hit = /^\/file\/v1\/file\/multipart\/([^/]+)\/add\/(-?\d+)$/.exec(path))) {
        req.resume();
        return created(res, ctx, await uploads.addPart(userId, decodeURIComponent(hit[1]!), Number(hit[2]), u.searchParams.get('partMD5Hex')));
      }
      if (m === 'PUT' && (hit = /^\/file\/v1\/file\/multipart\/([^/]+)\/complete$/.exec(path))) {
        req.resume();
        return created(res, ctx, await uploads.complete(userId, decodeURIComponent(hit[1]!)));
      }
      if (m === 'GET' && (hit = /^\/file\/v1\/fileHandle\/([^/]+)$/.exec(path))) {
        return sendJson(res, 200, repo.fileHandle(userId, decodeURIComponent(hit[1]!)));
      }
      if (m === 'GET' && (hit = /^\/file\/v1\/entity\/([^/]+)\/uploadDestination$/.exec(path))) {
        return sendJson(res, 200, repo.uploadDestination(decodeURIComponent(hit[1]!)));
      }
      if (m === 'POST' && path === '/repo/v1/entity') {
        const body = await readJson(req);
        return created(res, ctx, await repo.createEntity(userId, body));
      }
      if (m === 'POST' && path === '/repo/v1/entity/child') {
        const body = await readJson(req);
        return sendJson(res, 200, repo.lookupChild(userId, body));
      }
      if (m === 'GET' && path === '/repo/v1/userProfile') {
        // The caller's profile (README "userProfile"); the anonymous user's answer is [U].
        if (userId === undefined) throw new SynapseHttpError(401, 'The user must be authenticated');
        return sendJson(res, 200, { ownerId: userId, userName: `emulated-user-${userId}`, firstName: 'Emulated', lastName: 'User' });
      }
      if (m === 'GET' && (hit = /^\/repo\/v1\/entity\/([^/]+)$/.exec(path))) {
        return sendJson(res, 200, repo.entity(decodeURIComponent(hit[1]!)));
      }
      if (m === 'PUT' && (hit = /^\/repo\/v1\/entity\/([^/]+)$/.exec(path))) {
        const body = await readJson(req);
        // EntityController.updateEntity: 200 OK; newVersion is parsed with Boolean.parseBoolean.
        const newVersion = (u.searchParams.get('newVersion') ?? '').toLowerCase() === 'true';
        return sendJson(res, 200, await repo.updateEntity(userId, decodeURIComponent(hit[1]!), body, newVersion));
      }
      if (m === 'GET' && (hit = /^\/repo\/v1\/entity\/([^/]+)\/version\/(\d+)$/.exec(path))) {
        return sendJson(res, 200, repo.entityVersion(decodeURIComponent(hit[1]!), Number(hit[2])));
      }
      req.resume();
      throw new SynapseHttpError(404, `The requested resource ${m} ${path} does not exist`);
    };

    return {
      files: () => blobs.list(),
      handle: async (req, res, ctx) => {
        try {
          await route(req, res, ctx);
        } catch (e) {
          // Answer without waiting for a body we did not read (an early 401, say).
          req.resume();
          if (e instanceof SynapseHttpError) return synapseError(res, e.status, e.reason);
          if (e instanceof HttpInputError) return synapseError(res, e.status, e.message);
          throw e;
        }
      },
    };
  });
  apiOrigin = emu.url;
  let s3;
  try {
    s3 = await startS3Origin(emu.server, o);
  } catch (e) {
    await emu.close();
    throw e;
  }
  s3Origin = s3.origin;
  return { ...emu, close: async () => { await Promise.all([emu.close(), s3.close()]); } };
}

/**
 * Every successful call of the file service answers 201 Created, the PUTs included. The
 * `commit-then-reset` fault applies the call and then drops the connection instead: the lost answer.
 */
function created(res: ServerResponse, ctx: RequestContext, body: unknown): void {
  if (ctx.fault?.kind === 'commit-then-reset') {
    res.socket?.destroy();
    return;
  }
  sendJson(res, 201, body);
}

function synapseError(res: ServerResponse, status: number, reason: string): void {
  sendJson(res, status, { concreteType: ERROR_RESPONSE, reason });
}
