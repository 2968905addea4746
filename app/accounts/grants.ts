// Token requests, through oauth4webapi (RFC 6749 refresh and authorization code with PKCE,
// RFC 8628 device code, client credentials), sent over the engine's Http port so they share its
// transport, TLS trust and stall bound. Errors become FerryErrors that name the account and the
// server's error code, never a token.
import * as oauth from 'oauth4webapi';
import { FerryError } from '../common/errors.js';
import { redactText } from '../common/redact.js';
import type { Http } from '../engine/http.js';

export interface TokenAnswer {
  accessToken: string;
  /** Seconds, as the server said (Microsoft: random 60–90 min, so trust it). */
  expiresIn?: number;
  /** A new refresh token when the server rotates (Box always, Microsoft on every use). */
  refreshToken?: string;
  scope?: string;
}

export interface OAuthClient {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  /** Device authorization endpoint (Microsoft: …/oauth2/v2.0/devicecode). */
  deviceUrl?: string;
}

/** oauth4webapi's fetch, carried by our Http port (bodies are small form posts). */
export function fetchVia(http: Http): (url: string, init: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => { headers[k] = v; });
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    const res = await http.request({ method: init.method ?? 'GET', url, headers, ...(body !== undefined ? { body } : {}), ...(init.signal ? { signal: init.signal } : {}) });
    return new Response(res.status === 204 || res.status === 304 ? null : new Uint8Array(res.body), { status: res.status, headers: res.headers });
  };
}

function parts(c: OAuthClient, http: Http): { as: oauth.AuthorizationServer; client: oauth.Client; auth: oauth.ClientAuth; opts: { [oauth.customFetch]: ReturnType<typeof fetchVia>; [oauth.allowInsecureRequests]: boolean } } {
  const url = new URL(c.tokenUrl);
  const as: oauth.AuthorizationServer = { issuer: url.origin, token_endpoint: c.tokenUrl, ...(c.deviceUrl ? { device_authorization_endpoint: c.deviceUrl } : {}) };
  // Box requires client_secret in the form body (developer.box.com oauth2/without-sdk); public
  // clients (Microsoft desktop, Redivis) must send none (AADSTS700025).
  const auth = c.clientSecret ? oauth.ClientSecretPost(c.clientSecret) : oauth.None();
  // Plain http only for loopback (emulators, tests); real services are https.
  const insecure = url.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
  return { as, client: { client_id: c.clientId }, auth, opts: { [oauth.customFetch]: fetchVia(http), [oauth.allowInsecureRequests]: insecure } };
}

function answer(r: oauth.TokenEndpointResponse): TokenAnswer {
  return {
    accessToken: r.access_token,
    ...(typeof r.expires_in === 'number' ? { expiresIn: r.expires_in } : {}),
    ...(typeof r.refresh_token === 'string' ? { refreshToken: r.refresh_token } : {}),
    ...(typeof r.scope === 'string' ? { scope: r.scope } : {}),
  };
}

/** OAuth error codes after which only the user can help (RFC 6749 5.2; Microsoft interaction_required). */
const SIGN_IN_AGAIN = new Set(['invalid_grant', 'interaction_required', 'consent_required', 'login_required']);

/** Turns what the token endpoint or the transport said into a FerryError; never quotes a secret. */
export function tokenError(e: unknown, what: string, secrets: string[]): FerryError {
  if (e instanceof FerryError) return e;
  if (e instanceof oauth.ResponseBodyError) {
    const desc = e.error_description ? `: ${redactText(e.error_description, secrets).slice(0, 200)}` : '';
    if (SIGN_IN_AGAIN.has(e.error)) {
      return new FerryError('needs-sign-in', `${what} needs sign-in: the server refused the refresh token (${e.error}${desc})`, { status: e.status, serverCode: e.error });
    }
    if (e.error === 'invalid_client' || e.error === 'unauthorized_client') {
      return new FerryError('auth', `${what}: the server refused the client id or secret (${e.error}${desc})`, { status: e.status, serverCode: e.error });
    }
    return new FerryError(e.status >= 500 ? 'server-error' : 'protocol', `${what}: the token endpoint answered ${e.status} ${e.error}${desc}`, { status: e.status, serverCode: e.error });
  }
  if (e instanceof oauth.OperationProcessingError) {
    const status = (e.cause as Response | undefined)?.status;
    const code = typeof status === 'number' && status >= 500 ? 'server-error' : typeof status === 'number' && status === 429 ? 'rate-limited' : 'protocol';
    return new FerryError(code, `${what}: unexpected answer from the token endpoint (${redactText(e.message, secrets)})`, typeof status === 'number' ? { status } : {});
  }
  return new FerryError('internal', `${what}: ${redactText(e instanceof Error ? e.message : String(e), secrets)}`);
}

export async function refreshGrant(http: Http, c: OAuthClient, refreshToken: string, scope: string | undefined, signal?: AbortSignal): Promise<TokenAnswer> {
  const { as, client, auth, opts } = parts(c, http);
  const res = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, { ...opts, ...(signal ? { signal } : {}), ...(scope ? { additionalParameters: { scope } } : {}) });
  return answer(await oauth.processRefreshTokenResponse(as, client, res));
}

export async function codeGrant(http: Http, c: OAuthClient, callback: URLSearchParams, redirectUri: string, verifier: string): Promise<TokenAnswer> {
  const { as, client, auth, opts } = parts(c, http);
  const res = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, redirectUri, verifier, opts);
  return answer(await oauth.processAuthorizationCodeResponse(as, client, res));
}

export async function clientCredentialsGrant(http: Http, c: OAuthClient, params: Record<string, string>): Promise<TokenAnswer> {
  const { as, client, auth, opts } = parts(c, http);
  const res = await oauth.clientCredentialsGrantRequest(as, client, auth, params, opts);
  return answer(await oauth.processClientCredentialsResponse(as, client, res));
}

export interface DeviceStart {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  expiresIn: number;
  interval: number;
  message?: string;
}

export async function deviceStart(http: Http, c: OAuthClient, scope: string | undefined): Promise<DeviceStart> {
  const { as, client, auth, opts } = parts(c, http);
  const res = await oauth.deviceAuthorizationRequest(as, client, auth, scope ? { scope } : {}, opts);
  const r = await oauth.processDeviceAuthorizationResponse(as, client, res);
  return {
    deviceCode: r.device_code, userCode: r.user_code, verificationUri: r.verification_uri, expiresIn: r.expires_in,
    interval: typeof r.interval === 'number' ? r.interval : 5, ...(typeof r.message === 'string' ? { message: r.message } : {}),
  };
}

/** One poll of the device code grant: undefined while the user has not finished (authorization_pending / slow_down). */
export async function devicePoll(http: Http, c: OAuthClient, deviceCode: string): Promise<TokenAnswer | 'slow_down' | undefined> {
  const { as, client, auth, opts } = parts(c, http);
  const res = await oauth.deviceCodeGrantRequest(as, client, auth, deviceCode, opts);
  try {
    return answer(await oauth.processDeviceCodeResponse(as, client, res));
  } catch (e) {
    if (e instanceof oauth.ResponseBodyError && e.error === 'authorization_pending') return undefined;
    if (e instanceof oauth.ResponseBodyError && e.error === 'slow_down') return 'slow_down';
    throw e;
  }
}
