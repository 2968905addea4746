// Interactive sign-in. Loopback redirect (RFC 8252 section 7.3): a listener on 127.0.0.1 at a
// port the OS picks, the authorization request carrying PKCE S256 (RFC 7636) and a random state;
// the browser comes back to http://127.0.0.1:<port>/callback with the code, which is exchanged at
// the token endpoint. Device code (RFC 8628) for machines without a browser (Microsoft only:
// Box has no device endpoint, accounts.md section 2).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { FerryError } from '../common/errors.js';
import type { Http } from '../engine/http.js';
import type { Clock } from '../engine/ports.js';
import { codeGrant, deviceStart, devicePoll, type DeviceStart, type OAuthClient, type TokenAnswer } from './grants.js';

export interface LoopbackSignIn {
  authorizeUrl: string;
  client: OAuthClient;
  scope?: string;
  /** Shown to the user (and, in a desktop shell, opened in the browser). */
  open(url: string): void;
  /** Give up after this long without an answer. Default 5 minutes. */
  timeoutMs?: number;
  /** The window's Cancel: stops listening at once. */
  signal?: AbortSignal;
}

const PAGE = (text: string): string => `<!doctype html><meta charset="utf-8"><title>Ferry</title><p>${text}</p>`;

export async function signInLoopback(http: Http, o: LoopbackSignIn): Promise<TokenAnswer> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  let server: Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const callback = new Promise<URLSearchParams>((resolve, reject) => {
      server = createServer((req, res) => {
        const u = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (u.pathname !== '/callback') {
          res.writeHead(404).end();
          return;
        }
        // Only the answer to our own request counts (state), anything else is turned away.
        if (u.searchParams.get('state') !== state) {
          res.writeHead(400, { 'content-type': 'text/html' }).end(PAGE('This sign-in answer is not the one Ferry is waiting for.'));
          return;
        }
        const denied = u.searchParams.get('error');
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE(denied ? 'Sign-in was not completed. You can close this window.' : 'Signed in. You can close this window and return to Ferry.'));
        if (denied) reject(new FerryError('auth', `sign-in was refused at the provider (${denied})`));
        else resolve(u.searchParams);
      });
      server.once('error', reject);
      timer = setTimeout(() => reject(new FerryError('cancelled', 'sign-in timed out: no answer came back from the browser')), o.timeoutMs ?? 300_000);
      o.signal?.addEventListener('abort', () => reject(new FerryError('cancelled', 'sign-in was cancelled')), { once: true });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server!.address() as AddressInfo).port;
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const url = new URL(o.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', o.client.clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    if (o.scope) url.searchParams.set('scope', o.scope);
    o.open(url.toString());
    const params = await callback;
    const as: oauth.AuthorizationServer = { issuer: new URL(o.client.tokenUrl).origin, token_endpoint: o.client.tokenUrl };
    const checked = oauth.validateAuthResponse(as, { client_id: o.client.clientId }, params, state);
    return await codeGrant(http, o.client, checked, redirectUri, verifier);
  } finally {
    clearTimeout(timer);
    server?.closeAllConnections();
    server?.close();
  }
}

/** Device code: `show` tells the user where to go and what to type; polls until they did. */
export async function signInDevice(http: Http, clock: Clock, client: OAuthClient, scope: string | undefined, show: (d: DeviceStart) => void, signal?: AbortSignal): Promise<TokenAnswer> {
  const d = await deviceStart(http, client, scope);
  show(d);
  const end = clock.now() + d.expiresIn * 1000;
  let interval = Math.max(1, d.interval) * 1000;
  while (clock.now() < end) {
    await clock.sleep(interval);
    if (signal?.aborted) throw new FerryError('cancelled', 'sign-in was cancelled');
    const r = await devicePoll(http, client, d.deviceCode);
    if (r === 'slow_down') interval += 5_000; // RFC 8628 section 3.5
    else if (r !== undefined) return r;
  }
  throw new FerryError('cancelled', 'the device code expired before sign-in was completed');
}
