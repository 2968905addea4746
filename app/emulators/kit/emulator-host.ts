// The HTTP server every emulator runs on: loopback bind, idle-connection cut-off, the
// `/_emulator/*` introspection routes, statistics, a request log and scripted faults.
// Provider emulators supply only `handle`, which speaks their protocol.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { EmulatorFile, EmulatorOptions, EmulatorStats, FaultAction, FaultRule, RequestRecord } from './emulator-types.js';
import { sendJson } from './http-io.js';

export interface RequestContext {
  /** The fault this request must act out, when it is a body-level one (truncate, commit-then-reset). */
  fault?: Extract<FaultAction, { kind: 'truncate' | 'commit-then-reset' }>;
  /** Base URL of this emulator, e.g. http://127.0.0.1:1234 */
  baseUrl: string;
  /** Count body bytes the emulator accepted (stats.bytesReceived). */
  received(bytes: number): void;
}

export interface EmulatorHandler {
  handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void>;
  files(): Promise<EmulatorFile[]>;
}

export interface RunningEmulator {
  readonly provider: string;
  readonly url: string;
  readonly token: string;
  readonly server: Server;
  stats(): EmulatorStats;
  files(): Promise<EmulatorFile[]>;
  /** Every request seen, in order (method, path, status, body bytes). */
  requests(): RequestRecord[];
  inject(rule: FaultRule): void;
  close(): Promise<void>;
}

export interface EmulatorCounters {
  sessionCreated(): void;
  sessionDeleted(): void;
  /** Body bytes received outside a request's context (e.g. WebSocket frames). */
  bytesReceived(n: number): void;
}

export function resolveEmulatorOptions(opts: EmulatorOptions): Required<Pick<EmulatorOptions, 'host' | 'port' | 'token' | 'idleTimeoutMs' | 'now' | 'discard'>> & EmulatorOptions {
  if (!opts.discard && !opts.dataDir) {
    throw new Error('emulator: a data directory (--data-dir) is required unless discard mode is on');
  }
  return {
    ...opts,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    token: opts.token ?? `emu_${randomBytes(12).toString('hex')}`,
    idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
    now: opts.now ?? Date.now,
    discard: opts.discard ?? false,
  };
}

/** How the host listens; absent means plain http. */
export interface EmulatorTransport {
  /** Serve https with this key and certificate (PEM), e.g. a self-signed one made at start. */
  tls?: { key: string; cert: string };
}

export async function startEmulatorHost(
  provider: string,
  opts: ReturnType<typeof resolveEmulatorOptions>,
  makeHandler: (counters: EmulatorCounters, baseUrl: () => string) => EmulatorHandler,
  transport: EmulatorTransport = {},
): Promise<RunningEmulator> {
  const stats: EmulatorStats = { requests: 0, bytesReceived: 0, sessionsCreated: 0, sessionsDeleted: 0 };
  const log: RequestRecord[] = [];
  const rules: (FaultRule & { seen: number; left: number })[] = [];
  let baseUrl = '';
  // URLs the emulator hands out (session URLs, presigned URLs) follow the Host the client used,
  // as behind a real reverse proxy; so a client talking through the fault proxy stays behind it.
  const requestBase = new AsyncLocalStorage<string>();
  const handler = makeHandler(
    { sessionCreated: () => void stats.sessionsCreated++, sessionDeleted: () => void stats.sessionsDeleted++, bytesReceived: (n) => void (stats.bytesReceived += n) },
    () => requestBase.getStore() ?? baseUrl,
  );

  const takeFault = (req: IncomingMessage): FaultAction | undefined => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    for (const r of rules) {
      if (r.left <= 0) continue;
      if (r.method && r.method !== req.method) continue;
      if (r.path && !path.includes(r.path)) continue;
      if (r.withBody && !hasBody) continue;
      if (r.seen++ < (r.after ?? 0)) continue;
      r.left--;
      return r.action;
    }
    return undefined;
  };

  const listener: RequestListener = (req, res) => {
    stats.requests++;
    const path = (req.url ?? '').split('?')[0] ?? '';
    let bytes = 0;
    const record: RequestRecord = { method: req.method ?? '', path, status: 0, bytes: 0, headers: plainHeaders(req), at: opts.now() };
    log.push(record);
    // The emulator's own clock (tests move it) is the one its answers state, as a real server's Date is.
    res.setHeader('date', new Date(opts.now()).toUTCString());
    res.on('finish', () => { record.status = res.statusCode; });
    guardBodyRate(req, opts.minBodyBytesPerSec ?? DEFAULT_MIN_BODY_BYTES_PER_SEC, opts.rateWindowMs ?? opts.idleTimeoutMs);
    const host = req.headers.host;
    const base = host && LOOPBACK_HOST.test(host) ? `${baseUrl.split('://')[0]}://${host}` : baseUrl;
    const ctx: RequestContext = {
      baseUrl: base,
      received: (n) => { stats.bytesReceived += n; bytes += n; record.bytes = bytes; },
    };
    void requestBase.run(base, async () => {
      if (path.startsWith('/_emulator/')) {
        // The user's sandbox uploads are listed here: only for a loopback Host (no DNS rebinding)
        // and the emulator's own token, as tests and benches send (emulatorAdminHeaders).
        const denied = adminDenied(req, opts.token);
        if (denied) return sendJson(res, denied.status, { error: denied.why });
        if (path === '/_emulator/stats' && req.method === 'GET') return sendJson(res, 200, { ...stats });
        if (path === '/_emulator/files' && req.method === 'GET') return sendJson(res, 200, await handler.files());
      }
      const fault = takeFault(req);
      if (fault?.kind === 'reset') { req.socket.destroy(); return; }
      if (fault?.kind === 'respond') {
        req.resume();
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.headers ?? {}) });
        res.end(fault.body ?? '');
        return;
      }
      if (fault) ctx.fault = fault;
      if (opts.auth && req.headers.authorization !== undefined) {
        const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization)?.[1];
        if (presented === undefined || !opts.auth.valid(presented)) {
          req.resume();
          return opts.auth.reject(req, res);
        }
        req.headers.authorization = `Bearer ${opts.token}`;
      }
      await handler.handle(req, res, ctx);
    }).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: 'emulator-internal', message: String(err) });
      else res.destroy();
    });
  };
  // Node checks headersTimeout only every connectionsCheckingInterval (30 s by default): scale
  // it with the idle bound so slow-header clients (slowloris) are cut within about that bound.
  const serverOptions = {
    requestTimeout: 0,
    headersTimeout: Math.min(opts.idleTimeoutMs, 60_000),
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(opts.idleTimeoutMs / 4))),
  };
  const server: Server = transport.tls
    ? createHttpsServer({ ...serverOptions, key: transport.tls.key, cert: transport.tls.cert }, listener)
    : createServer(serverOptions, listener);
  // Cut connections that send nothing for too long (a declared 32 MB body that never comes).
  server.setTimeout(opts.idleTimeoutMs);
  server.keepAliveTimeout = Math.min(5_000, opts.idleTimeoutMs);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  baseUrl = `${transport.tls ? 'https' : 'http'}://${host}:${addr.port}`;

  return {
    provider,
    url: baseUrl,
    token: opts.token,
    server,
    stats: () => ({ ...stats }),
    files: () => handler.files(),
    requests: () => log.slice(),
    inject: (rule) => rules.push({ ...rule, seen: 0, left: rule.times ?? 1 }),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const DEFAULT_MIN_BODY_BYTES_PER_SEC = 1024;

/**
 * Row 43 (slow drip) for every emulator: a body that keeps a connection busy with a few bytes a
 * second is cut once a whole window brings less than the floor. Measured on the socket, so the
 * body stream is left alone; a window where our handler has not consumed what arrived (our own
 * backpressure) never counts against the client.
 */
function guardBodyRate(req: IncomingMessage, bytesPerSec: number, windowMs: number): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (bytesPerSec <= 0 || windowMs <= 0 || !hasBody) return;
  const floor = (bytesPerSec * windowMs) / 1000;
  const socket = req.socket;
  let last = socket.bytesRead;
  const timer = setInterval(() => {
    const got = socket.bytesRead - last;
    last = socket.bytesRead;
    if (got < floor && req.readableLength === 0 && !req.complete) socket.destroy();
  }, windowMs);
  timer.unref();
  // The socket outlives the request on a keep-alive connection: its listener goes with the request.
  const stop = (): void => {
    clearInterval(timer);
    socket.off('close', stop);
  };
  req.once('end', stop);
  req.once('close', stop);
  socket.once('close', stop);
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

/** Headers that open an emulator's `/_emulator/*` routes. */
export function emulatorAdminHeaders(emu: { token: string }): Record<string, string> {
  return { authorization: `Bearer ${emu.token}` };
}

function adminDenied(req: IncomingMessage, token: string): { status: number; why: string } | undefined {
  if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return { status: 421, why: 'the /_emulator routes answer only on a loopback host name' };
  const given = Buffer.from(req.headers.authorization ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return { status: 401, why: 'the /_emulator routes need the emulator token' };
  return undefined;
}

function plainHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
