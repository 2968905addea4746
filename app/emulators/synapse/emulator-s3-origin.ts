// The fake S3's own origin. Synapse's presigned part URLs are S3's (or Google Cloud Storage's):
// the server signs them with the storage client for the bucket and key, so a client PUTs its
// parts to another host than the Synapse API's (README "Presigned part URLs: another origin").
// Requests reaching this port are handed to the emulator host's own listener, so statistics, the
// request log and scripted faults cover them; only the S3 paths answer here.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { resolveEmulatorOptions } from '../kit/emulator-host.js';
import { S3_PREFIX } from './emulator-s3.js';

export interface S3Origin {
  /** e.g. http://127.0.0.1:5678 (no path) */
  origin: string;
  close(): Promise<void>;
}

export async function startS3Origin(api: Server, opts: ReturnType<typeof resolveEmulatorOptions>): Promise<S3Origin> {
  // The same connection bounds as the emulator host applies to its own port.
  const server = createServer({
    requestTimeout: 0,
    headersTimeout: Math.min(opts.idleTimeoutMs, 60_000),
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(opts.idleTimeoutMs / 4))),
  }, (req, res) => {
    if (!(req.url ?? '').startsWith(S3_PREFIX)) {
      req.resume();
      const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>';
      res.writeHead(404, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    api.emit('request', req, res);
  });
  server.setTimeout(opts.idleTimeoutMs);
  server.keepAliveTimeout = Math.min(5_000, opts.idleTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host, () => resolve());
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
