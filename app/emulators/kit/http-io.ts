// Request/response helpers for emulators: JSON in and out, and streaming a body straight to
// disk (no buffering of a whole chunk) with fsync before the caller answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { RequestContext } from './emulator-host.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': '0', ...headers });
  res.end();
}

/** Reads a small JSON body; rejects bodies over `limit` bytes. Returns undefined for an empty body. */
export async function readJson(req: IncomingMessage, limit = 1 << 20): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new HttpInputError(413, 'request body too large');
    parts.push(c);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    throw new HttpInputError(400, 'request body is not valid JSON');
  }
}

export class HttpInputError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(.+)$/i.exec(h) : null;
  return m?.[1];
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export interface BodyResult {
  /** Bytes taken from the body (written, or counted in discard mode). */
  bytes: number;
  /** False when the client went away or the body ended short of `expected`. */
  complete: boolean;
  /** Digests of the bytes taken, when asked for. */
  digests: Record<string, Buffer>;
}

export interface WriteBodyOptions {
  /** File handle to write at `position`; absent in discard mode (bytes are only counted). */
  fh?: fsp.FileHandle;
  position: number;
  /** Declared body length; a body that ends before it is incomplete. */
  expected: number;
  /** Hash algorithms to run over the bytes, e.g. ['sha1']. */
  hashes?: string[];
  /** Sees every piece taken from the body, in order (digests node:crypto lacks, e.g. quickXorHash). */
  onPiece?: (piece: Buffer) => void;
  ctx: RequestContext;
}

/**
 * Streams the request body to `fh` at `position`, writing each piece as it arrives and
 * fsyncing before it resolves, so the caller answers only after the data is on disk.
 * Bytes written before a disconnect stay written (UCloud: "SHOULD NOT delete the data").
 * Honours a `truncate` fault: keeps the first N bytes, then cuts the connection.
 */
export async function writeBody(req: IncomingMessage, o: WriteBodyOptions): Promise<BodyResult> {
  const hashes: [string, Hash][] = (o.hashes ?? []).map((a) => [a, createHash(a)]);
  const cap = o.ctx.fault?.kind === 'truncate' ? o.ctx.fault.bytes : Infinity;
  // Leaving the loop early destroys `req`, which drops its `socket` reference: keep our own.
  const socket = req.socket;
  let bytes = 0;
  let cut = false;
  try {
    for await (const piece of req as AsyncIterable<Buffer>) {
      let c = piece;
      if (bytes + c.length > cap) {
        c = c.subarray(0, cap - bytes);
        cut = true;
      }
      if (c.length > 0) {
        if (o.fh) await writeAll(o.fh, c, o.position + bytes);
        for (const [, h] of hashes) h.update(c);
        o.onPiece?.(c);
        bytes += c.length;
        o.ctx.received(c.length);
      }
      if (cut) break;
    }
  } catch {
    // Client disconnected mid-body: what was written stays written.
  }
  if (o.fh && bytes > 0) await o.fh.sync();
  if (cut) socket.destroy();
  const digests: Record<string, Buffer> = {};
  for (const [a, h] of hashes) digests[a] = h.digest();
  return { bytes, complete: !cut && bytes === o.expected, digests };
}

/** Writes all of `buf` at `position` (a positional write may write less than asked). */
export async function writeAll(fh: fsp.FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    off += bytesWritten;
  }
}

/** Reads a whole (bounded) binary body into memory; for protocols that must see all of a part first. */
export async function readBinary(req: IncomingMessage, limit: number, ctx: RequestContext): Promise<{ data: Buffer; complete: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > limit) throw new HttpInputError(413, 'request body too large');
      parts.push(c);
      ctx.received(c.length);
    }
  } catch (e) {
    if (e instanceof HttpInputError) throw e;
    return { data: Buffer.concat(parts), complete: false };
  }
  return { data: Buffer.concat(parts), complete: true };
}
