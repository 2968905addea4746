// Answers in Box's own shapes: the ClientError body (section 5.7) and small request helpers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../kit/emulator-host.js';
import { sendJson } from '../kit/http-io.js';
import type { BoxErrorBody } from '../../providers/box/wire.js';

export function sendBoxError(res: ServerResponse, status: number, code: string, message: string, contextInfo?: BoxErrorBody['context_info'], headers: Record<string, string> = {}): void {
  const body: BoxErrorBody = {
    type: 'error', status, code, message,
    ...(contextInfo ? { context_info: contextInfo } : {}),
    help_url: 'http://developers.box.com/docs/#errors',
    request_id: randomBytes(6).toString('hex'),
  };
  sendJson(res, status, body, headers);
}

/** Thrown by route code to answer with a Box error. */
export class BoxHttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly contextInfo?: BoxErrorBody['context_info']) {
    super(message);
  }
}

export function query(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://emulator').searchParams;
}

/** A non-negative integer query parameter, or the default; anything else is a 400. */
export function intParam(q: URLSearchParams, name: string, dflt: number): number {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  if (!/^\d+$/.test(v)) throw new BoxHttpError(400, 'bad_request', `Invalid value '${v}' for query parameter '${name}'`);
  return Number(v);
}

/** Drains an unread request body so keep-alive connections stay usable after an early answer. */
export function drain(req: IncomingMessage): void {
  if (!req.readableEnded) req.resume();
}

/** Answers a request that changed state, unless a commit-then-reset fault says the answer is lost. */
export function sendResult(res: ServerResponse, ctx: RequestContext, status: number, body: unknown): void {
  if (ctx.fault?.kind === 'commit-then-reset') {
    res.socket?.destroy();
    return;
  }
  sendJson(res, status, body);
}
