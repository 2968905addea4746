// The fake S3 behind the emulator's presigned URLs: `PUT /_s3/<uploadId>/<part>?X-Amz-...`.
// URLs are HMAC-signed over path, date, lifetime and the signed Content-Type, and expire by
// the injected clock, so tests can age them without sleeping.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../kit/emulator-host.js';
import { header } from '../kit/http-io.js';
import type { EmulatorBlobs } from './emulator-blobs.js';

export const S3_PREFIX = '/_s3/';

function amzDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

export class FakeS3 {
  private readonly secret = randomBytes(16);

  constructor(private readonly blobs: EmulatorBlobs, private readonly ttlMs: number, private readonly now: () => number) {}

  private sig(path: string, date: string, expires: string, contentType: string): string {
    return createHmac('sha256', this.secret).update(`PUT\n${path}\n${date}\n${expires}\n${contentType}`).digest('base64url');
  }

  /** A presigned PUT URL for part `part` of `uploadId`, valid for the configured lifetime from now. */
  sign(baseUrl: string, uploadId: string, part: number, contentType?: string): string {
    const path = `${S3_PREFIX}${encodeURIComponent(uploadId)}/${part}`;
    const date = amzDate(this.now());
    const expires = String(Math.floor(this.ttlMs / 1000));
    const q = new URLSearchParams({ 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Date': date, 'X-Amz-Expires': expires, 'X-Amz-SignedHeaders': contentType ? 'content-type;host' : 'host' });
    q.set('sig', this.sig(path, date, expires, contentType ?? ''));
    return `${baseUrl}${path}?${q.toString()}`;
  }

  async handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/_s3\/([^/]+)\/(\d+)$/.exec(u.pathname);
    if (req.method !== 'PUT' || !m) return s3Error(req, res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    const date = u.searchParams.get('X-Amz-Date') ?? '';
    const expires = u.searchParams.get('X-Amz-Expires') ?? '';
    const signedCt = (u.searchParams.get('X-Amz-SignedHeaders') ?? '').includes('content-type');
    const ct = signedCt ? (header(req, 'content-type') ?? '') : '';
    const want = Buffer.from(this.sig(u.pathname, date, expires, ct));
    const got = Buffer.from(u.searchParams.get('sig') ?? '');
    if (want.length !== got.length || !timingSafeEqual(want, got)) {
      return s3Error(req, res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    const issued = parseAmzDate(date);
    if (issued === undefined || this.now() > issued + Number(expires) * 1000) {
      return s3Error(req, res, 403, 'AccessDenied', 'Request has expired');
    }
    const len = header(req, 'content-length');
    if (len === undefined) return s3Error(req, res, 411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
    const obj = await this.blobs.putTemp(decodeURIComponent(m[1]!), Number(m[2]), req, Number(len), ctx);
    if (!obj) {
      if (!res.destroyed) s3Error(req, res, 400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
      return;
    }
    if (ctx.fault?.kind === 'commit-then-reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { etag: `"${obj.md5}"`, 'content-length': '0' });
    res.end();
  }
}

function s3Error(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  req.resume();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
