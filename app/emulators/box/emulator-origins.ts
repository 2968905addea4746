// Box serves its API and its uploads on two hosts (developer.box.com guides/uploads, "Upload
// domain"): https://api.box.com/2.0/… and https://upload.box.com/api/2.0/…. The emulator does the
// same on two loopback ports, so a client that builds upload URLs from the API base meets 404s.
// The upload port hands its requests to the emulator host's own listener, so statistics, the
// request log and scripted faults cover both origins; `/_emulator/*` lives on the API origin only.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { resolveEmulatorOptions } from '../kit/emulator-host.js';
import { sendBoxError } from './emulator-reply.js';

export type Origin = 'api' | 'upload';

/** Requests that arrived on the upload port (the emulator host's listener serves both). */
const viaUpload = new WeakSet<IncomingMessage>();

export function originOf(req: IncomingMessage): Origin {
  return viaUpload.has(req) ? 'upload' : 'api';
}

export interface UploadOrigin {
  /** e.g. http://127.0.0.1:5678 (no path) */
  origin: string;
  close(): Promise<void>;
}

export async function startUploadOrigin(api: Server, opts: ReturnType<typeof resolveEmulatorOptions>, port: number): Promise<UploadOrigin> {
  // The same connection bounds as the emulator host applies to its own port.
  const server = createServer({
    requestTimeout: 0,
    headersTimeout: Math.min(opts.idleTimeoutMs, 60_000),
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(opts.idleTimeoutMs / 4))),
  }, (req, res) => {
    if ((req.url ?? '').startsWith('/_emulator/')) {
      req.resume();
      sendBoxError(res, 404, 'not_found', 'Not Found');
      return;
    }
    viaUpload.add(req);
    api.emit('request', req, res);
  });
  server.setTimeout(opts.idleTimeoutMs);
  server.keepAliveTimeout = Math.min(5_000, opts.idleTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    origin: `http://${host}:${addr.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The base a request's own Host names on loopback (a proxy in front stays in front), else the fallback. */
export function hostBase(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  return host && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host) ? `http://${host}` : fallback;
}
