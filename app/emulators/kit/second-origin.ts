// A second loopback origin for an emulator whose provider serves some requests from another host
// (Box's upload.box.com, Synapse's presigned S3 part URLs). Requests it accepts are handed to the
// emulator host's own listener, so statistics, the request log and scripted faults cover them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { resolveEmulatorOptions } from './emulator-host.js';

export interface SecondOrigin {
  /** e.g. http://127.0.0.1:5678 (no path) */
  origin: string;
  close(): Promise<void>;
}

/**
 * Listens on `port` (0: any) and passes each request to `api`'s listener once `accept` lets it
 * through; `accept` answers the requests this origin does not serve itself and returns false.
 */
export async function startSecondOrigin(
  api: Server,
  opts: ReturnType<typeof resolveEmulatorOptions>,
  port: number,
  accept: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<SecondOrigin> {
  // The same connection bounds as the emulator host applies to its own port.
  const server = createServer({
    requestTimeout: 0,
    headersTimeout: Math.min(opts.idleTimeoutMs, 60_000),
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(opts.idleTimeoutMs / 4))),
  }, (req, res) => {
    if (accept(req, res)) api.emit('request', req, res);
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
