// An emulated OAuth 2.0 authorization server for the Box and Microsoft flavours, on loopback:
// authorize (consent page, code + PKCE S256), token (authorization_code, refresh_token with the
// flavour's rotation, device_code for Microsoft, client_credentials), device authorization,
// revocation, and test hooks. Error bodies follow accounts.md (see app/emulators/auth/README.md).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { consentPage, devicePage } from './pages.js';
import { TokenBook, type Client, type Flavor, type Issued } from './token-book.js';

export interface OAuthServerOptions {
  flavor: Flavor;
  clients: Client[];
  /** Access token lifetime in ms (tests: seconds). Default 3600 s. */
  accessTtlMs?: number;
  /** Refresh token lifetime in ms. Default: Box 60 days, Microsoft 90 days. */
  refreshTtlMs?: number;
  now?: () => number;
  host?: string;
  port?: number;
  /** Test hook, awaited after a refresh was redeemed and before its answer is sent (a slow or dying exchange). */
  afterRedeem?: () => Promise<void>;
}

export interface RunningOAuthServer {
  readonly url: string;
  readonly flavor: Flavor;
  readonly book: TokenBook;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly deviceUrl: string;
  readonly revokeUrl: string;
  /** Tokens for a user who consented already (what `ferry emulate --token-ttl` prints). */
  preConsented(clientId: string, scope?: string): Issued;
  close(): Promise<void>;
}

const DAY = 86_400_000;

export async function startOAuthServer(o: OAuthServerOptions): Promise<RunningOAuthServer> {
  const now = o.now ?? Date.now;
  const book = new TokenBook({ flavor: o.flavor, now, accessTtlMs: o.accessTtlMs ?? 3_600_000, refreshTtlMs: o.refreshTtlMs ?? (o.flavor === 'box' ? 60 : 90) * DAY });
  const clients = new Map(o.clients.map((c) => [c.clientId, c]));
  // Box paths (account.box.com/api/oauth2/authorize, api.box.com/oauth2/token) or Microsoft's
  // (login.microsoftonline.com/{tenant}/oauth2/v2.0/…), on one loopback origin.
  const base = o.flavor === 'box' ? { authorize: '/api/oauth2/authorize', token: '/oauth2/token', revoke: '/oauth2/revoke', device: '/oauth2/device' }
    : { authorize: '/common/oauth2/v2.0/authorize', token: '/common/oauth2/v2.0/token', revoke: '/common/oauth2/v2.0/revoke', device: '/common/oauth2/v2.0/devicecode' };
  let url = '';
  const fail = (res: ServerResponse, status: number, error: string, description: string, msCode?: number): void => {
    const body = o.flavor === 'microsoft' && msCode !== undefined
      ? { error, error_description: `AADSTS${msCode}: ${description}\r\nTrace ID: emulator\r\nCorrelation ID: emulator\r\nTimestamp: ${new Date(now()).toISOString()}`, error_codes: [msCode], timestamp: new Date(now()).toISOString(), trace_id: randomBytes(8).toString('hex'), correlation_id: randomBytes(8).toString('hex'), error_uri: `https://login.microsoftonline.com/error?code=${msCode}` }
      : { error, error_description: description };
    json(res, status, body);
  };

  const client = (f: URLSearchParams, res: ServerResponse): Client | undefined => {
    const c = clients.get(f.get('client_id') ?? '');
    if (!c) return void fail(res, 400, o.flavor === 'box' ? 'invalid_client' : 'unauthorized_client', 'The client credentials are invalid', 700016);
    // Box checks the secret on every token call; a Microsoft public client must send none (AADSTS700025).
    if (c.clientSecret !== undefined && f.get('client_secret') !== c.clientSecret) return void fail(res, 400, 'invalid_client', 'The client credentials are invalid', 7000215);
    if (c.clientSecret === undefined && f.get('client_secret')) return void fail(res, 400, 'invalid_client', 'Client is public so neither client_assertion nor client_secret should be presented.', 700025);
    return c;
  };

  const token = async (f: URLSearchParams, res: ServerResponse): Promise<void> => {
    const c = client(f, res);
    if (!c) return;
    const grant = f.get('grant_type');
    if (grant === 'refresh_token') {
      const r = book.redeem(f.get('refresh_token') ?? '', c.clientId);
      // Box: "Invalid refresh token" for invalid, revoked or expired (B-err). Microsoft: 70008 expired, 50173 revoked (MS-err).
      if (r === 'invalid') return fail(res, 400, 'invalid_grant', o.flavor === 'box' ? 'Invalid refresh token' : 'The provided grant has expired due to it being revoked, a fresh auth token is needed.', 50173);
      if (r === 'expired') return fail(res, 400, 'invalid_grant', o.flavor === 'box' ? 'Invalid refresh token' : 'The provided authorization code or refresh token has expired due to inactivity.', 70008);
      await o.afterRedeem?.();
      return json(res, 200, r);
    }
    if (grant === 'authorization_code') {
      const r = book.takeCode(f.get('code') ?? '', c.clientId, f.get('redirect_uri') ?? '', f.get('code_verifier') ?? undefined);
      return typeof r === 'string' ? fail(res, 400, 'invalid_grant', r, 70000) : json(res, 200, r);
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:device_code' && o.flavor === 'microsoft') {
      const r = book.pollDevice(f.get('device_code') ?? '', c.clientId);
      if (typeof r !== 'string') return json(res, 200, r);
      const ms = { authorization_pending: 70016, expired_token: 70020, bad_verification_code: 70019 }[r];
      return fail(res, 400, r, r === 'authorization_pending' ? 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.' : r, ms);
    }
    if (grant === 'client_credentials' && c.clientSecret !== undefined) return json(res, 200, book.issue(c.clientId, f.get('scope') ?? ''));
    // Box: wrong grant for the app type is invalid_request/unsupported (B-err).
    fail(res, 400, 'unsupported_grant_type', `grant_type ${grant ?? '(none)'} is not supported here`, 70003);
  };

  const authorize = (q: URLSearchParams, res: ServerResponse): void => {
    const c = clients.get(q.get('client_id') ?? '');
    const redirect = q.get('redirect_uri') ?? '';
    if (!c || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(redirect)) return html(res, 400, '<h1>invalid client_id or redirect_uri</h1>');
    if (q.get('response_type') !== 'code') return redirectTo(res, redirect, { error: 'unsupported_response_type', state: q.get('state') ?? '' });
    if (q.get('code_challenge') && q.get('code_challenge_method') !== 'S256' && q.get('code_challenge_method') !== 'plain') return redirectTo(res, redirect, { error: 'invalid_request', state: q.get('state') ?? '' });
    html(res, 200, consentPage(base.authorize, q, c.clientId, q.get('scope') ?? ''));
  };

  const consent = (f: URLSearchParams, res: ServerResponse): void => {
    const redirect = f.get('redirect_uri') ?? '';
    const c = clients.get(f.get('client_id') ?? '');
    if (!c || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(redirect)) return html(res, 400, '<h1>invalid client_id or redirect_uri</h1>');
    const state = f.get('state') ?? '';
    if (f.get('decision') !== 'allow') return redirectTo(res, redirect, { error: 'access_denied', state });
    // Box codes live about 30 s (B-pm), Microsoft's about 10 minutes (MS-code).
    const code = book.newCode({ clientId: c.clientId, redirectUri: redirect, scope: f.get('scope') ?? '', ...(f.get('code_challenge') ? { challenge: f.get('code_challenge')!, method: f.get('code_challenge_method') ?? 'plain' } : {}) }, o.flavor === 'box' ? 30_000 : 600_000);
    redirectTo(res, redirect, { code, state });
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const p = u.pathname;
      const form = req.method === 'POST' ? new URLSearchParams(await readText(req)) : new URLSearchParams();
      if (p === base.authorize && req.method === 'GET') return authorize(u.searchParams, res);
      if (p === base.authorize && req.method === 'POST') return consent(form, res);
      if (p === base.token && req.method === 'POST') return token(form, res);
      if (p === base.revoke && req.method === 'POST') {
        if (!client(form, res)) return;
        book.revoke(form.get('token') ?? '');
        return json(res, 200, {});
      }
      if (p === base.device && req.method === 'POST' && o.flavor === 'microsoft') {
        const c = clients.get(form.get('client_id') ?? '');
        if (!c) return fail(res, 400, 'unauthorized_client', 'The client does not exist.', 700016);
        const d = book.newDevice(c.clientId, form.get('scope') ?? '', 900_000);
        const verify = `${url}/devicelogin`;
        return json(res, 200, { device_code: d.deviceCode, user_code: d.userCode, verification_uri: verify, expires_in: 900, interval: 1, message: `To sign in, use a web browser to open the page ${verify} and enter the code ${d.userCode} to authenticate.` });
      }
      if (p === '/devicelogin') {
        if (req.method === 'GET') return html(res, 200, devicePage('/devicelogin'));
        return html(res, 200, devicePage('/devicelogin', book.approveDevice(form.get('user_code') ?? '') ? 'You have signed in. You may close this window.' : 'That code is not valid.'));
      }
      if (p === '/_auth/revoke-all' && req.method === 'POST') return json(res, 200, (book.revokeAllRefreshTokens(), {}));
      if (p === '/_auth/stats' && req.method === 'GET') return json(res, 200, { refreshes: book.refreshes, issued: book.issued });
      json(res, 404, { error: 'not_found', error_description: `${req.method} ${p}` });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  url = `http://${addr.address}:${addr.port}`;
  return {
    url, flavor: o.flavor, book,
    authorizeUrl: url + base.authorize, tokenUrl: url + base.token, deviceUrl: url + base.device, revokeUrl: url + base.revoke,
    preConsented: (clientId, scope = '') => book.issue(clientId, scope),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function readText(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 65_536) throw new Error('form too large');
    parts.push(c);
  }
  return Buffer.concat(parts).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // Token answers must not be cached (RFC 6749 5.1).
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', pragma: 'no-cache', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function redirectTo(res: ServerResponse, target: string, params: Record<string, string>): void {
  const u = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v) u.searchParams.set(k, v);
  res.writeHead(302, { location: u.toString(), 'content-length': '0' });
  res.end();
}
