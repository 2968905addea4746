// Who may talk to the headless host. The long-lived host token never reaches a browser cookie
// (cookies are not separated by port: every other server on 127.0.0.1 would receive it). The
// URL `ferry host` prints carries a single-use code in its fragment; the page trades it once for
// a per-session secret (POST /api/session), keeps that in sessionStorage and sends it as the
// `x-ferry-session` header, on the event stream too (read with fetch). Scripts send
// `Authorization: Bearer <host token>`. Sessions are HMACs under the host token, so rotating the
// token (every start unless pinned) ends them all, and one can be revoked (DELETE /api/session).
// Browser-borne attacks: the Host header must be ours (DNS rebinding), a foreign Origin is
// refused, and the custom header cannot be sent cross-site without a CORS preflight, which this
// server never grants.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HOST_ROUTES } from '../common/api.js';

export type AuthVerdict =
  | { ok: true; via: 'bearer' | 'session' | 'public' }
  | { ok: false; status: 400 | 401 | 403 | 421; reason: string };

export const SESSION_HEADER = HOST_ROUTES.sessionHeader;
export const SESSION_ROUTE = HOST_ROUTES.session;

function sameSecret(given: string | undefined, want: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Single-use launch codes and the page sessions made from them. */
export class HostSessions {
  private readonly codes = new Set<string>();
  private readonly revoked = new Set<string>();

  constructor(private readonly token: string) {}

  /** A code for the printed URL; it opens one session, once. */
  launchCode(): string {
    const code = randomBytes(18).toString('base64url');
    this.codes.add(code);
    return code;
  }

  /** Consumes `code`; undefined when it is unknown or was used already. */
  exchange(code: unknown): string | undefined {
    if (typeof code !== 'string' || !this.codes.delete(code)) return undefined;
    return this.issue();
  }

  issue(): string {
    const id = randomBytes(12).toString('base64url');
    return `${id}.${this.mac(id)}`;
  }

  valid(secret: string | undefined): boolean {
    const [id, mac, extra] = (secret ?? '').split('.');
    if (!id || !mac || extra !== undefined || this.revoked.has(id)) return false;
    return sameSecret(mac, this.mac(id));
  }

  revoke(secret: string | undefined): void {
    if (this.valid(secret)) this.revoked.add(secret!.split('.')[0]!);
  }

  private mac(id: string): string {
    return createHmac('sha256', this.token).update(`ferry-session\0${id}`).digest('base64url');
  }
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export interface AuthContext {
  token: string;
  port: number;
  /** Accept any Host header (binds beyond loopback were asked for explicitly). */
  anyHost: boolean;
  sessions: HostSessions;
}

/** Headers are user input: a malformed one is a 400, never an internal error. */
function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function authorize(req: IncomingMessage, c: AuthContext): AuthVerdict {
  const host = header(req, 'host') ?? '';
  if (!c.anyHost && !LOOPBACK_NAMES.some((n) => host === `${n}:${c.port}`)) {
    return { ok: false, status: 421, reason: `unexpected Host header ${JSON.stringify(host.slice(0, 200))}` };
  }
  const origin = header(req, 'origin');
  if (origin !== undefined && origin !== `http://${host}`) {
    return { ok: false, status: 403, reason: `requests from ${origin.slice(0, 200)} are not allowed` };
  }
  const auth = header(req, 'authorization');
  if (auth?.startsWith('Bearer ') && sameSecret(auth.slice(7), c.token)) return { ok: true, via: 'bearer' };
  if (c.sessions.valid(header(req, SESSION_HEADER))) return { ok: true, via: 'session' };
  const path = (req.url ?? '/').split(/[?#]/)[0]!;
  // The page and its scripts hold no secret: served to anyone who passes the Host check, so the
  // page can load and then present its session secret. Opening a session checks its own code.
  if (!path.startsWith('/api/') && (req.method === 'GET' || req.method === 'HEAD')) return { ok: true, via: 'public' };
  if (path === SESSION_ROUTE && req.method === 'POST') return { ok: true, via: 'public' };
  return { ok: false, status: 401, reason: 'missing or wrong token: open the URL `ferry host` printed' };
}
