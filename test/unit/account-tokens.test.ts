// AccountTokens and AccountHttp on a fake clock: when a token is renewed (a quarter of its life
// before expiry, at most 5 minutes), what a 401 costs, what is left alone, UCloud's JWT expiry.
import { describe, expect, it } from 'vitest';
import { AccountHttp } from '../../app/accounts/account-http.js';
import { MemoryAccountStore } from '../../app/accounts/account-store.js';
import { AccountTokens } from '../../app/accounts/account-tokens.js';
import type { Account } from '../../app/accounts/credential.js';
import { MemorySecretStore } from '../../app/accounts/secret-store.js';
import type { Http, HttpRequest, HttpResponse } from '../../app/engine/http.js';
import { FakeClock } from '../fakes/fake-clock.js';

const res = (status: number, body: unknown = {}, headers: Record<string, string> = {}): HttpResponse => {
  const buf = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: buf, text: () => buf.toString(), json: <T>() => JSON.parse(buf.toString()) as T };
};

/** A token endpoint and an API on one fake transport; `valid` is the set of accepted access tokens. */
function world(o: { lifetimeS: number; ucloud?: boolean; tokenStatus?: () => number }) {
  const clock = new FakeClock();
  const seen: HttpRequest[] = [];
  const valid = new Set<string>();
  let n = 0;
  const http: Http = {
    request: async (req) => {
      seen.push(req);
      if (req.url.endsWith('/token') || req.url.endsWith('/auth/refresh')) {
        const st = o.tokenStatus?.() ?? 200;
        if (st !== 200) return res(st, { error: 'temporarily_unavailable' });
        const t = `at${++n}`;
        valid.add(t);
        if (o.ucloud) {
          const payload = Buffer.from(JSON.stringify({ exp: Math.floor(clock.now() / 1000) + o.lifetimeS })).toString('base64url');
          return res(200, { accessToken: `h.${payload}.s${n}`, csrfToken: 'c' });
        }
        return res(200, { access_token: t, token_type: 'bearer', expires_in: o.lifetimeS, refresh_token: `rt${n}` });
      }
      const auth = req.headers?.authorization?.replace(/^Bearer /, '') ?? '';
      return res(valid.has(auth) || (o.ucloud && auth.startsWith('h.')) ? 200 : 401);
    },
  };
  const accounts = new MemoryAccountStore();
  const secrets = new MemorySecretStore();
  const a: Account = { name: 'a', provider: o.ucloud ? 'ucloud' : 'box', url: 'https://api.example', options: {}, kind: o.ucloud ? 'ucloud' : 'oauth', tokenUrl: o.ucloud ? 'https://api.example/auth/refresh' : 'https://auth.example/token', clientId: 'c', status: 'ok', createdAt: 0, updatedAt: 0 };
  const lock = { acquire: async () => async () => undefined };
  const tokens = new AccountTokens('a', { accounts, secrets, lock, http, clock });
  const api = new AccountHttp(http, tokens, { origins: ['https://api.example'], rejectStatuses: o.ucloud ? [401, 403] : [401] });
  const refreshes = (): number => seen.filter((r) => r.url.endsWith('/token') || r.url.endsWith('/auth/refresh')).length;
  return { clock, seen, valid, http, accounts, secrets, a, tokens, api, refreshes, setup: async () => { await accounts.put(a); await secrets.set('a', { refreshToken: 'rt0', clientSecret: 's' }); } };
}

const call = (api: Http, url = 'https://api.example/2.0/folders/0', headers: Record<string, string> = { authorization: 'Bearer placeholder' }) => api.request({ method: 'GET', url, headers });

describe('AccountTokens: renewal before expiry', () => {
  it('an hour-long token is renewed 5 minutes before it ends, not earlier', async () => {
    const w = world({ lifetimeS: 3600 });
    await w.setup();
    expect((await call(w.api)).status).toBe(200);
    expect(w.refreshes()).toBe(1);
    w.clock.advance(54 * 60_000);
    expect((await call(w.api)).status).toBe(200);
    expect(w.refreshes()).toBe(1);
    w.clock.advance(60_001);
    expect((await call(w.api)).status).toBe(200);
    expect(w.refreshes()).toBe(2);
  });

  it('a 2-second token is renewed half a second before it ends (a quarter of its life)', async () => {
    const w = world({ lifetimeS: 2 });
    await w.setup();
    await call(w.api);
    w.clock.advance(1_400);
    await call(w.api);
    expect(w.refreshes()).toBe(1);
    w.clock.advance(200);
    await call(w.api);
    expect(w.refreshes()).toBe(2);
  });

  it('a failed refresh (server error) while the token still has time left keeps using it', async () => {
    let status = 200;
    const w = world({ lifetimeS: 3600, tokenStatus: () => status });
    await w.setup();
    await call(w.api);
    status = 503;
    w.clock.advance(57 * 60_000);
    expect((await call(w.api)).status).toBe(200);
    w.clock.advance(4 * 60_000);
    await expect(call(w.api)).rejects.toMatchObject({ code: 'server-error' });
  });

  it('UCloud: the JWT exp decides (10 minutes: renewed 2.5 minutes before), and a 403 means refresh once', async () => {
    const w = world({ lifetimeS: 600, ucloud: true });
    await w.setup();
    await call(w.api);
    const sent = w.seen.at(-1)!;
    expect(sent.headers!.authorization).toMatch(/^Bearer h\./);
    // The refresh itself carries the refresh token as Bearer (UCloud auth.go).
    expect(w.seen[0]!.headers!.authorization).toBe('Bearer rt0');
    w.clock.advance(7 * 60_000);
    await call(w.api);
    expect(w.refreshes()).toBe(1);
    w.clock.advance(31_000);
    await call(w.api);
    expect(w.refreshes()).toBe(2);
  });
});

describe('AccountHttp: what it touches', () => {
  it('a 401 costs one refresh and one retry of the same request; a second 401 is returned, not looped', async () => {
    const w = world({ lifetimeS: 3600 });
    await w.setup();
    await call(w.api);
    w.valid.clear(); // the server forgot every token (revoked sessions)
    const r = await w.api.request({ method: 'PUT', url: 'https://api.example/up', headers: { authorization: 'Bearer x' }, body: Buffer.from('chunk') });
    expect(r.status).toBe(200);
    expect(w.refreshes()).toBe(2);
    const puts = w.seen.filter((q) => q.method === 'PUT');
    expect(puts.map((q) => q.body?.toString())).toEqual(['chunk', 'chunk']);
    // Now the API refuses everything: exactly one refresh and one retry, then the 401 goes back.
    const before = w.seen.length;
    const deaf: Http = { request: async (q) => (q.url.endsWith('/token') ? w.http.request(q) : (w.seen.push(q), res(401))) };
    const api2 = new AccountHttp(deaf, w.tokens, { origins: ['https://api.example'], rejectStatuses: [401] });
    expect((await call(api2)).status).toBe(401);
    expect(w.seen.length - before).toBe(3);
  });

  it('leaves alone requests without authorization (upload URLs) and requests to other origins', async () => {
    const w = world({ lifetimeS: 3600 });
    await w.setup();
    await call(w.api, 'https://upload.example/up/abc?tempauth=x', {});
    await call(w.api, 'https://other.example/x', { authorization: 'Bearer theirs' });
    await call(w.api, 'https://api.example/up/abc', {});
    expect(w.refreshes()).toBe(0);
    expect(w.seen.map((q) => q.headers?.authorization)).toEqual([undefined, 'Bearer theirs', undefined]);
  });

  it('a static token (API token, PAT) is substituted as stored and never refreshed; a 401 goes back as it is', async () => {
    const w = world({ lifetimeS: 3600 });
    await w.accounts.put({ ...w.a, kind: 'static' });
    await w.secrets.set('a', { accessToken: 'pat-123' });
    const r = await call(w.api);
    expect(r.status).toBe(401);
    expect(w.seen.map((q) => q.headers?.authorization)).toEqual(['Bearer pat-123']);
    expect(w.refreshes()).toBe(0);
  });

  it('a refused refresh token marks the remote "needs sign-in" (not failed) and says how to fix it', async () => {
    const w = world({ lifetimeS: 3600 });
    await w.setup();
    const refusing: Http = { request: async (q) => (q.url.endsWith('/token') ? res(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' }) : w.http.request(q)) };
    const t = new AccountTokens('a', { accounts: w.accounts, secrets: w.secrets, lock: { acquire: async () => async () => undefined }, http: refusing, clock: w.clock });
    await expect(t.token()).rejects.toMatchObject({ code: 'needs-sign-in', message: expect.stringMatching(/ferry remote reconnect a/) });
    expect((await w.accounts.get('a'))?.status).toBe('needs-sign-in');
    // No second try at the token endpoint while it waits: the flag is enough.
    await expect(t.token()).rejects.toMatchObject({ code: 'needs-sign-in' });
  });
});
