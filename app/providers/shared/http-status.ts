// Turning HTTP answers into FerryErrors, shared by the provider clients. Each client passes
// what it knows about its protocol (which statuses mean "session gone", its error body shape).
import { FerryError, type FerryErrorCode } from '../../common/errors.js';
import type { HttpResponse } from '../../engine/http.js';
import { serverNow } from './server-time.js';

import { redactUrl } from '../../common/redact.js';

export { redactUrl };

/** Retry-After as milliseconds: delta-seconds or an HTTP-date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/**
 * Retry-After of an answer as a wait in milliseconds. An HTTP-date is measured against the same
 * answer's `Date` header (both are the server's clock), never against the local clock; without a
 * `Date` to compare with, a date form is unreadable and the caller's default wait applies.
 */
export function retryAfter(res: HttpResponse): number | undefined {
  const now = serverNow(res);
  const v = res.headers['retry-after'];
  if (v !== undefined && /^\s*\d+\s*$/.test(v)) return parseRetryAfter(v, 0);
  return now === undefined ? undefined : parseRetryAfter(v, now);
}

export interface StatusErrorOptions {
  method: string;
  url: string;
  /** What we were doing, for the message: "creating the upload session". */
  doing: string;
  /** Server's own error code and message, parsed from the body by the client. */
  serverCode?: string;
  serverMessage?: string;
  /** Statuses that mean the session no longer exists for this call (default: none). */
  goneStatuses?: number[];
  /** Force a code for this status (e.g. 409 → 'name-conflict'). */
  code?: FerryErrorCode;
}

export function codeForStatus(status: number, gone: number[]): FerryErrorCode {
  if (gone.includes(status)) return 'session-gone';
  if (status === 401) return 'auth';
  if (status === 429) return 'rate-limited';
  if (status === 408 || status === 500 || status === 502 || status === 503 || status === 504 || status === 509) return 'server-error';
  if (status === 507) return 'quota';
  if (status === 409) return 'name-conflict';
  return 'rejected';
}

export function statusError(res: HttpResponse, o: StatusErrorOptions): FerryError {
  const retryAfterMs = retryAfter(res);
  // 503 with Retry-After is the server asking us to slow down, like 429.
  let code = o.code ?? codeForStatus(res.status, o.goneStatuses ?? []);
  if (code === 'server-error' && retryAfterMs !== undefined) code = 'rate-limited';
  const detail = o.serverMessage ? `: ${o.serverMessage}` : '';
  const serverCode = o.serverCode ? ` (${o.serverCode})` : '';
  const ctx = { method: o.method, url: redactUrl(o.url), status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(o.serverCode ? { serverCode: o.serverCode } : {}) };
  return new FerryError(code, `${o.doing} failed: HTTP ${res.status}${serverCode}${detail}`, ctx);
}

/** Parses a JSON body, or throws a 'protocol' FerryError naming the call. */
export function jsonBody<T>(res: HttpResponse, o: { method: string; url: string; doing: string }): T {
  try {
    return res.json<T>();
  } catch {
    throw new FerryError('protocol', `${o.doing}: the server's answer (HTTP ${res.status}) is not valid JSON`, { method: o.method, url: redactUrl(o.url), status: res.status });
  }
}
