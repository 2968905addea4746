// Graph-shaped answers for the emulator: every error is `{"error":{"code","message","innerError"}}`
// (the onedrive-api crate fails to decode anything else), and request parsing that turns bad
// input into such an answer instead of a crash.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { sendJson } from '../kit/http-io.js';
import type { GraphErrorJson } from '../../providers/onedrive/wire.js';

/** Thrown by emulator code for a Graph error answer; the router turns it into JSON. */
export class GraphReply extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly innerCode?: string) {
    super(message);
  }
}

export function sendGraphError(res: ServerResponse, e: GraphReply, now: number): void {
  const body: GraphErrorJson = {
    error: {
      code: e.code,
      message: e.message,
      innerError: { ...(e.innerCode ? { code: e.innerCode } : {}), 'request-id': randomUUID(), date: new Date(now).toISOString() },
    },
  };
  sendJson(res, e.status, body);
}

/** Answers an error before reading the body: the rest of the body is drained, not stored. */
export function refuse(req: IncomingMessage, res: ServerResponse, e: GraphReply, now: number): void {
  req.resume();
  sendGraphError(res, e, now);
}

export const notFound = (what: string): GraphReply =>
  new GraphReply(404, 'itemNotFound', `${what} was not found`, 'uploadSessionNotFound');

/** Splits a request target into its path and query (works for the SDK's `/v1.0/http://…` form too). */
export function splitTarget(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

/** Decodes `/a/b%20c` segment by segment; a bad escape is the client's error. */
export function decodeDrivePath(raw: string): string {
  try {
    return raw.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new GraphReply(400, 'invalidRequest', `the path ${JSON.stringify(raw)} is not validly percent-encoded`);
  }
}

/** `bytes a-b/total`, inclusive end, as Graph requires on every fragment. */
export function parseContentRange(v: string | undefined): { start: number; end: number; total: number } {
  const m = v === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(v.trim());
  if (!m) throw new GraphReply(400, 'invalidRequest', `Content-Range ${v === undefined ? 'is missing' : `"${v}" is not of the form "bytes a-b/total"`}`);
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (end < start || end >= total) throw new GraphReply(400, 'invalidRange', `Content-Range "${v}" does not describe bytes inside the file`);
  return { start, end, total };
}
