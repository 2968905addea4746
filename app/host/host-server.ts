// The headless host's HTTP face: the renderer build, the command API, an event stream and
// browser uploads, all behind the token (host-auth.ts). Loopback-only unless asked otherwise.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { HOST_ROUTES } from '../common/api.js';
import { FerryError, toErrorInfo } from '../common/errors.js';
import { authorize, HostSessions, SESSION_HEADER, SESSION_ROUTE, type AuthContext } from './host-auth.js';
import type { FerryService } from '../service/ferry-service.js';
import type { StagingArea } from './staging.js';

export interface HostServerOptions {
  service: FerryService;
  staging: StagingArea;
  /** The renderer build (dist/renderer). */
  staticDir: string;
  port?: number;
  /** Bind address; anything but loopback needs `allowRemote`. */
  bind?: string;
  allowRemote?: boolean;
  token?: string;
}

export interface RunningHost {
  /** Base URL, e.g. http://127.0.0.1:8123 */
  url: string;
  /** The URL that opens the UI already authorised: a single-use code in its fragment, never the token. */
  openUrl: string;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_JSON = 1 << 20;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
};
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

export async function startHostServer(o: HostServerOptions): Promise<RunningHost> {
  const bind = o.bind ?? '127.0.0.1';
  if (!LOOPBACK.has(bind) && !o.allowRemote) {
    throw new FerryError('bad-input', `refusing to listen on ${bind}: the host is loopback-only unless --allow-remote is given (anyone who can reach it and learns the token controls uploads)`);
  }
  const token = o.token ?? randomBytes(24).toString('base64url');
  const assets = new Set(await fsp.readdir(o.staticDir).catch(() => {
    throw new FerryError('file-missing', `${o.staticDir}: the renderer build is missing; run \`npm run build\``);
  }));
  const streams = new Set<ServerResponse>();
  const sessions = new HostSessions(token);
  const auth: AuthContext = { token, port: 0, anyHost: !LOOPBACK.has(bind), sessions };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const verdict = authorize(req, auth);
    if (!verdict.ok) {
      req.resume();
      if ((req.url ?? '').startsWith('/api/')) return json(res, verdict.status, { ok: false, error: { code: 'auth', message: `Ferry host: ${verdict.reason}` } });
      res.writeHead(verdict.status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Ferry host: ${verdict.reason}\n`);
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === SESSION_ROUTE) return session(req, res, verdict.via);
    if (path.startsWith(HOST_ROUTES.call) && req.method === 'POST') {
      const body = await readJson(req);
      return json(res, 200, await o.service.dispatch(path.slice(HOST_ROUTES.call.length), body));
    }
    if (path === HOST_ROUTES.events && req.method === 'GET') return openStream(req, res);
    if (path === HOST_ROUTES.files && req.method === 'POST') {
      const name = decodeHeader(req.headers['x-ferry-name'], 'x-ferry-name');
      const batch = String(req.headers['x-ferry-batch'] ?? '');
      return json(res, 200, { ok: true, value: await o.staging.receive(batch, name, req) });
    }
    if (req.method === 'GET') {
      const file = path === '/' ? 'index.html' : path.slice(1);
      // Only the build's own top-level files, by exact name: nothing else on disk is reachable.
      if (assets.has(file)) {
        const data = await fsp.readFile(join(o.staticDir, file));
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        return void res.end(data);
      }
    }
    json(res, 404, { ok: false, error: { code: 'bad-input', message: `no route ${req.method} ${path}` } });
  };

  /** POST: trade a launch code (or the host token) for a session secret; DELETE: revoke this session. */
  const session = async (req: IncomingMessage, res: ServerResponse, via: string) => {
    if (req.method === 'DELETE' && via === 'session') {
      sessions.revoke(String(req.headers[SESSION_HEADER]));
      return json(res, 200, { ok: true, value: null });
    }
    if (req.method !== 'POST') return json(res, 405, { ok: false, error: { code: 'bad-input', message: `${req.method} ${SESSION_ROUTE} is not a route` } });
    if (via !== 'bearer' && req.headers.authorization !== undefined) {
      req.resume();
      return json(res, 401, { ok: false, error: { code: 'auth', message: 'Ferry host: that is not the host token (see $FERRY_HOME/host-token; it changes at every start unless --pin-token)' } });
    }
    const body = await readJson(req);
    const secret = via === 'bearer' ? sessions.issue() : sessions.exchange((body as { code?: unknown } | null)?.code);
    if (!secret) return json(res, 401, { ok: false, error: { code: 'auth', message: 'Ferry host: this link was already used or is unknown; run `ferry host` again for a new one, or sign in with the host token' } });
    return json(res, 200, { ok: true, value: { session: secret } });
  };

  const openStream = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    res.write(': ferry\n\n');
    streams.add(res);
    const unsubscribe = o.service.subscribe((event, payload) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    // Proxies and idle cut-offs close silent streams; a comment line keeps this one alive.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const stop = () => { clearInterval(ping); unsubscribe(); streams.delete(res); };
    req.on('close', stop);
    res.on('error', stop);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      json(res, e instanceof FerryError && e.code !== 'internal' ? 400 : 500, { ok: false, error: toErrorInfo(e) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new FerryError('bad-input',
      `cannot listen on ${bind}:${o.port ?? 0}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`)));
    server.listen(o.port ?? 0, bind, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  auth.port = addr.port;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${hostPart}:${addr.port}`;
  return {
    url,
    openUrl: `${url}/#code=${sessions.launchCode()}`,
    token,
    close: () => new Promise<void>((resolve) => {
      for (const s of streams) s.end();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** A percent-encoded header; bad encoding is the client's mistake (400), not an internal error. */
function decodeHeader(v: string | string[] | undefined, name: string): string {
  try {
    return decodeURIComponent(String(v ?? ''));
  } catch {
    throw new FerryError('bad-input', `header ${name} is not valid percent-encoded UTF-8`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_JSON) throw new FerryError('bad-input', `request body larger than ${MAX_JSON} bytes`);
    chunks.push(c);
  }
  if (size === 0) return null;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new FerryError('bad-input', 'request body is not valid JSON');
  }
}
