// UCloud's session refresh, which is not OAuth: `POST {host}/auth/refresh` with the refresh token
// as Bearer and an empty body answers 200 {"accessToken":"<JWT>","csrfToken":"…"}; an unknown or
// expired refresh token answers 401 (accounts.md section 3, UCloud provider-integration/shared/
// pkg/foundation/auth.go and core2/pkg/foundation/auth_sessions.go). The refresh token is not rotated.
// The JWT lives 10 minutes; its `exp` claim says when.
import { FerryError } from '../common/errors.js';
import type { Http } from '../engine/http.js';
import type { TokenAnswer } from './grants.js';

export async function ucloudRefresh(http: Http, refreshUrl: string, refreshToken: string, what: string, nowMs: number, signal?: AbortSignal): Promise<TokenAnswer> {
  const res = await http.request({ method: 'POST', url: refreshUrl, headers: { authorization: `Bearer ${refreshToken}` }, ...(signal ? { signal } : {}) });
  if (res.status === 401 || res.status === 403) {
    throw new FerryError('needs-sign-in', `${what} needs sign-in: UCloud refused the refresh token (HTTP ${res.status})`, { status: res.status });
  }
  if (res.status >= 500) throw new FerryError('server-error', `${what}: UCloud's /auth/refresh answered ${res.status}`, { status: res.status });
  let body: { accessToken?: unknown };
  try {
    body = res.json();
  } catch {
    body = {};
  }
  if (res.status !== 200 || typeof body.accessToken !== 'string') {
    throw new FerryError('protocol', `${what}: UCloud's /auth/refresh answered ${res.status} without an accessToken`, { status: res.status });
  }
  const exp = jwtExp(body.accessToken);
  // Without a readable exp, assume UCloud's documented 10 minutes.
  return { accessToken: body.accessToken, expiresIn: exp !== undefined ? Math.max(1, Math.floor((exp * 1000 - nowMs) / 1000)) : 600 };
}

/** The `exp` claim (seconds) of a JWT, read without verifying it (only to time the renewal). */
export function jwtExp(jwt: string): number | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof v.exp === 'number' ? v.exp : undefined;
  } catch {
    return undefined;
  }
}
