// Streams one Box part to its place in the session's `.part` file while hashing it. Unlike the
// kit's writeBody it never writes past the part's declared range (a chunked body of unknown
// length could otherwise overwrite a neighbouring part), so a body longer than the range is
// reported, not stored. A part whose digest turns out wrong leaves bytes on disk but no part
// record; the range stays free for a correct upload to overwrite.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { promises as fsp } from 'node:fs';
import type { RequestContext } from '../kit/emulator-host.js';

export interface PartBody {
  /** Bytes of the range received (at most `length`). */
  bytes: number;
  /** The body carried more than `length` bytes. */
  overlong: boolean;
  /** The client went away, or a truncate fault cut the body. */
  cut: boolean;
  /** SHA-1 of the bytes received (Box reports it for every part). */
  sha1: Buffer;
  /** SHA-256, only when the client's Digest used it (skipped otherwise: in benchmarks the emulator shares the CPU with the client). */
  sha256?: Buffer;
}

export async function writePart(req: IncomingMessage, fh: fsp.FileHandle | undefined, position: number, length: number, ctx: RequestContext, withSha256 = false): Promise<PartBody> {
  const sha1 = createHash('sha1');
  const sha256 = withSha256 ? createHash('sha256') : undefined;
  const cap = ctx.fault?.kind === 'truncate' ? Math.min(ctx.fault.bytes, length) : length;
  let bytes = 0;
  let overlong = false;
  let cut = false;
  try {
    for await (const piece of req as AsyncIterable<Buffer>) {
      if (bytes + piece.length > cap) {
        overlong = cap === length;
        cut = !overlong;
      }
      const c = piece.subarray(0, Math.max(0, cap - bytes));
      if (c.length > 0) {
        if (fh) await writeAll(fh, c, position + bytes);
        sha1.update(c);
        sha256?.update(c);
        bytes += c.length;
        ctx.received(c.length);
      }
      // A too-long body is read to its end (bounded by the connection's idle cut-off) so that the
      // 416 reaches the client; a truncate fault cuts the connection at once.
      if (cut) break;
    }
  } catch {
    cut = true;
  }
  if (fh && bytes > 0) await fh.sync();
  if (ctx.fault?.kind === 'truncate') {
    cut = true;
    req.socket.destroy();
  }
  return { bytes, overlong, cut, sha1: sha1.digest(), ...(sha256 ? { sha256: sha256.digest() } : {}) };
}

async function writeAll(fh: fsp.FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    off += bytesWritten;
  }
}
