// A local UCloud-style provider: `files.createUpload` on `/api/files/upload`, the WEBSOCKET_V2
// protocol of current im2 modules on `/ucloud/emulator/upload?token=…` (the default), and the
// CHUNKED protocol on `/ucloud/emulator/chunked/upload`, following the uploadChunk documentation
// and the IM1 reference server (shared/reference/protocols.md §1). Sources are cited in
// app/providers/ucloud/README.md; facts they leave open are options below, marked [U].
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EmulatorOptions } from '../kit/emulator-types.js';
import { resolveEmulatorOptions, startEmulatorHost, type RunningEmulator } from '../kit/emulator-host.js';
import { FileStore } from '../kit/file-store.js';
import { bearer, sendJson } from '../kit/http-io.js';
import { handleChunk, type ChunkRulesOptions } from './emulator-chunk.js';
import { handleCreateUpload } from './emulator-create.js';
import { SessionTable } from './emulator-sessions.js';
import { websocketUploads } from './emulator-ws.js';
import { CREATE_UPLOAD_PATH, MAX_SESSION_AGE_MS, MIN_SESSION_IDLE_MS, RETRIEVE_PATH, type UFileLite, type UploadProtocol } from '../../providers/ucloud/wire.js';

export interface UcloudEmulatorOptions {
  /**
   * The one protocol createUpload answers with. Default 'WEBSOCKET_V2', what current im2 modules
   * answer (`im2/pkg/controller/files.go`); 'CHUNKED' is what IM1 and third-party providers speak.
   */
  protocol?: 'CHUNKED' | 'WEBSOCKET_V2';
  /** Protocols offered in order of preference (overrides `protocol`); the first the client lists wins. */
  offers?: UploadProtocol[];
  /**
   * The API token expires at this time of the emulator's clock; afterwards every API call gets
   * 403 with `expiredTokenWhy` (core2 `launcher/00_module.go`).
   */
  tokenExpiresAt?: number;
  /** "Token has expired" (default: core2's text for an expired JWT) or "forbidden" (an expired API token). */
  expiredTokenWhy?: 'Token has expired' | 'forbidden';
  /** The drive's storage quota is used up: createUpload answers 402 "Insufficient funds" (im2 k8s createUpload). */
  quotaExceeded?: boolean;
  /** WEBSOCKET_V2: how long a connection whose files are all done stays open. Default 30 s (im2 server.go). */
  socketLingerMs?: number;
  /**
   * IM1 mode: `Chunked-Upload-Total-Size` is required (400 "Missing total size"), as the IM1
   * server did. Default true. When false, a chunk without it uses the total announced earlier
   * on the session; a session that never learns its total keeps its bytes but never commits.
   */
  requireTotalSize?: boolean;
  /**
   * [U] An offset past the bytes held (a gap; this includes the spec's literal "file size + 1",
   * which almost certainly means the append position): 'reject' (400, default) or 'allow'
   * (written there; the gap reads as zeros).
   */
  offsetGap?: 'reject' | 'allow';
  /**
   * A chunk arriving while another is in flight on the same token: 'reject' (409 `{"why"}`,
   * default; the spec allows it and it exposes clients that overlap chunks) or 'serialise'
   * (IM1's per-file mutex: it waits its turn).
   */
  parallel?: 'reject' | 'serialise';
  /**
   * In 'reject' mode, how long an overlapping chunk waits for the one in flight to end before
   * the 409. Default 1000 ms: a retry sent right after a reset finds the server still writing
   * the cut chunk's buffered bytes, which is not a parallel upload.
   */
  parallelWaitMs?: number;
  /**
   * A session dies this long after its last activity (last byte received). Default 48 h, the
   * documentation's recommendation; values under the guaranteed 30 min are refused.
   */
  sessionIdleMs?: number;
  /** Absolute session lifetime from creation. Default 48 h (the "SHOULD NOT keep longer"). */
  sessionMaxAgeMs?: number;
  /**
   * [U] A 0-length chunk at offset 0 with total size 0 commits an empty file. Default true, so
   * a 0-byte local file can become a 0-byte remote file (the web client never sends one).
   */
  finalizeEmpty?: boolean;
  /** Slow-drip guard (fault row 43): bytes/s a chunk body must sustain; 0 = off (default). */
  minBodyBytesPerSec?: number;
  /** Window over which `minBodyBytesPerSec` is judged. Default: the idle timeout. */
  rateWindowMs?: number;
}

/** Path of the CHUNKED endpoint handed out by createUpload (IM1: `/ucloud/{providerId}/chunked/upload`). */
export const CHUNK_PATH = '/ucloud/emulator/chunked/upload';
/** Path of the WEBSOCKET_V2 endpoint (im2 `fileGenerateUploadPath`: `/ucloud/{providerId}/upload?token=…`). */
export const SOCKET_PATH = '/ucloud/emulator/upload';

export async function startUcloudEmulator(opts: EmulatorOptions & UcloudEmulatorOptions): Promise<RunningEmulator> {
  const o = resolveEmulatorOptions(opts);
  const idleMs = opts.sessionIdleMs ?? MAX_SESSION_AGE_MS;
  const maxAgeMs = opts.sessionMaxAgeMs ?? MAX_SESSION_AGE_MS;
  if (idleMs < MIN_SESSION_IDLE_MS || maxAgeMs < MIN_SESSION_IDLE_MS) {
    throw new Error(`ucloud emulator: sessions must live at least ${MIN_SESSION_IDLE_MS / 60_000} minutes (sessionIdleMs ${idleMs}, sessionMaxAgeMs ${maxAgeMs})`);
  }
  const rules: ChunkRulesOptions = {
    requireTotalSize: opts.requireTotalSize ?? true,
    offsetGap: opts.offsetGap ?? 'reject',
    parallel: opts.parallel ?? 'reject',
    finalizeEmpty: opts.finalizeEmpty ?? true,
    parallelWaitMs: opts.parallelWaitMs ?? 1_000,
    minBodyBytesPerSec: opts.minBodyBytesPerSec ?? 0,
    rateWindowMs: opts.rateWindowMs ?? o.idleTimeoutMs,
  };
  const store = new FileStore(o.discard ? undefined : o.dataDir, o.now);
  const sessions = new SessionTable(store, { now: o.now, idleMs, maxAgeMs, ...(o.discard ? {} : { dataDir: o.dataDir! }) });
  await sessions.load();
  const protocols: UploadProtocol[] = opts.offers ?? [opts.protocol ?? 'WEBSOCKET_V2'];
  /** core2's answer for a bearer token: 401 for a wrong one, 403 once it has expired. */
  const auth = (req: IncomingMessage): { status: number; why: string } | undefined => {
    if (bearer(req) !== o.token) return { status: 401, why: 'Unauthorized: a valid bearer token is required' };
    if (opts.tokenExpiresAt !== undefined && o.now() > opts.tokenExpiresAt) return { status: 403, why: opts.expiredTokenWhy ?? 'Token has expired' };
    return undefined;
  };
  let received = (_n: number): void => undefined;
  const sockets = websocketUploads({ sessions, store, received: (n) => received(n), lingerMs: opts.socketLingerMs ?? 30_000 });

  const running = await startEmulatorHost('ucloud', o, (counters, baseUrl) => {
    // Socket frames arrive outside any request: they count towards the host's byte statistics here.
    received = counters.bytesReceived;
    return {
      files: () => store.list(),
      async handle(req: IncomingMessage, res: ServerResponse, ctx) {
        const path = (req.url ?? '').split('?')[0];
        if (path === CREATE_UPLOAD_PATH) {
          if (req.method !== 'POST') return notAllowed(req, res);
          return handleCreateUpload(req, res, {
            auth,
            sessions,
            store,
            protocols,
            endpointFor: (protocol, token) => (protocol === 'WEBSOCKET_V2' ? `${baseUrl().replace(/^http/, 'ws')}${SOCKET_PATH}?token=${token}` : `${baseUrl()}${CHUNK_PATH}`),
            quotaExceeded: opts.quotaExceeded ?? false,
            sessionCreated: counters.sessionCreated,
          });
        }
        if (path === RETRIEVE_PATH && req.method === 'GET') {
          req.resume();
          const denied = auth(req);
          if (denied) return sendJson(res, denied.status, { statusCode: denied.status, why: denied.why });
          const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
          const info = await store.info(id).catch(() => undefined);
          if (!info) return sendJson(res, 404, { why: 'File not found' });
          const file: UFileLite = { id, status: { type: 'FILE', sizeInBytes: info.size, modifiedAt: Math.floor(info.modifiedAt) } };
          return sendJson(res, 200, file);
        }
        if (path === '/api/files/collections/retrieve' && req.method === 'GET') {
          // files.collections.retrieve: the drive (README "Drive retrieve"); any numeric id is a drive here.
          req.resume();
          const denied = auth(req);
          if (denied) return sendJson(res, denied.status, { statusCode: denied.status, why: denied.why });
          const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
          if (!/^\d+$/.test(id)) return sendJson(res, 403, { why: 'write permission is required' });
          return sendJson(res, 200, { id, specification: { title: `Emulated drive ${id}`, product: { id: 'u1-cephfs', category: 'u1-cephfs', provider: 'ucloud' } }, owner: { createdBy: 'emulated-user', project: null }, createdAt: 0, updates: [] });
        }
        if (path === CHUNK_PATH) {
          if (req.method !== 'POST') return notAllowed(req, res);
          return handleChunk(req, res, ctx, { sessions, store, o: rules });
        }
        req.resume();
        sendJson(res, 404, { why: `No such endpoint: ${req.method} ${path}` });
      },
    };
  });
  running.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] === SOCKET_PATH) return sockets.upgrade(req, socket, head);
    socket.destroy();
  });
  return { ...running, close: async () => { sockets.close(); await running.close(); await sessions.idle(); } };
}

function notAllowed(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  sendJson(res, 405, { why: `Method ${req.method} is not allowed here` }, { allow: 'POST' });
}
