// Who may talk to the headless host. Like a notebook server: a random token, handed over once
// in the URL the host prints; the first page load trades it for an HttpOnly cookie scoped to
// this port's name. Scripts may send `Authorization: Bearer <token>` instead.
// Browser-borne attacks are shut out three ways: the Host header must be ours (DNS rebinding),
// a foreign Origin is refused, and cookie-authenticated API calls must carry a custom header
// that a cross-site page cannot add without a CORS preflight, which this server never grants.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HOST_ROUTES } from '../common/api.js';

export type AuthVerdict =
  | { ok: true; via: 'bearer' | 'cookie' | 'query' }
  | { ok: false; status: 401 | 403 | 421; reason: string };

export function cookieName(port: number): string {
  return `ferry_token_${port}`;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export interface AuthContext {
  token: string;
  port: number;
  /** Accept any Host header (binds beyond loopback were asked for explicitly). */
  anyHost: boolean;
}

export function authorize(req: IncomingMessage, c: AuthContext): AuthVerdict {
  const host = req.headers.host ?? '';
  if (!c.anyHost && !LOOPBACK_NAMES.some((n) => host === `${n}:${c.port}`)) {
    return { ok: false, status: 421, reason: `unexpected Host header ${JSON.stringify(host)}` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return { ok: false, status: 403, reason: `requests from ${origin} are not allowed` };
  }
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && sameToken(auth.slice(7), c.token)) return { ok: true, via: 'bearer' };
  const url = new URL(req.url ?? '/', 'http://x');
  if (sameToken(readCookie(req.headers.cookie, cookieName(c.port)), c.token)) {
    const isApiWrite = url.pathname.startsWith('/api/') && req.method !== 'GET';
    if (isApiWrite && req.headers[HOST_ROUTES.csrfHeader] !== '1') {
      return { ok: false, status: 403, reason: `missing ${HOST_ROUTES.csrfHeader} header` };
    }
    return { ok: true, via: 'cookie' };
  }
  if (req.method === 'GET' && url.pathname === '/' && sameToken(url.searchParams.get('token') ?? undefined, c.token)) {
    return { ok: true, via: 'query' };
  }
  return { ok: false, status: 401, reason: 'missing or wrong token: open the URL `ferry host` printed' };
}

export function sessionCookie(c: AuthContext): string {
  return `${cookieName(c.port)}=${encodeURIComponent(c.token)}; HttpOnly; SameSite=Strict; Path=/`;
}
