// Keeps one account's access token fresh. Every transfer to the account asks `token()`; all of
// them share one refresh at a time (single-flight in this process, a lock file across processes).
// Inside the lock the stored credential is read again first, as rclone does (lib/oauthutil
// renew), so a token another process just refreshed is adopted instead of spending the refresh
// token twice. A rotated refresh token is written durably before the new access token is used.
import { FerryError, isFerryError } from '../common/errors.js';
import type { Http } from '../engine/http.js';
import type { Clock, Logger } from '../engine/ports.js';
import type { AccountStore } from './account-store.js';
import { secretStrings, type Account, type Secret } from './credential.js';
import { refreshGrant, tokenError, type TokenAnswer } from './grants.js';
import type { RefreshLock } from './refresh-lock.js';
import type { SecretStore } from './secret-store.js';
import { ucloudRefresh } from './ucloud-refresh.js';

export interface AccountTokensDeps {
  accounts: AccountStore;
  secrets: SecretStore;
  lock: RefreshLock;
  http: Http;
  clock: Clock;
  log?: Logger;
  /** Longest margin before expiry at which a token is renewed. Default 5 minutes. */
  maxMarginMs?: number;
}

/** Renew when this much of the token's life is left: a quarter of it, at most `maxMarginMs`. */
function marginOf(s: Secret, maxMarginMs: number): number {
  const life = s.expiresAt !== undefined && s.issuedAt !== undefined ? s.expiresAt - s.issuedAt : 3_600_000;
  return Math.min(maxMarginMs, Math.max(0, life / 4));
}

export class AccountTokens {
  private secret: Secret | undefined;
  private account: Account | undefined;
  private inflight: Promise<string> | undefined;
  /** Refreshes this process made (token-endpoint exchanges), for tests and `remote show`. */
  refreshes = 0;
  /** Tokens adopted from the store because another process (or an earlier wait) had refreshed. */
  adopted = 0;

  constructor(readonly name: string, private readonly d: AccountTokensDeps) {}

  /** Every secret this account has had in this process, for redaction. */
  readonly seen = new Set<string>();

  private remember(a: Account, s: Secret): void {
    this.account = a;
    this.secret = s;
    for (const v of secretStrings(s)) this.seen.add(v);
  }

  private async load(): Promise<{ a: Account; s: Secret }> {
    const a = await this.d.accounts.get(this.name);
    if (!a) throw new FerryError('bad-input', `remote ${this.name} is not configured (was it removed?)`);
    const s = (await this.d.secrets.get(this.name)) ?? {};
    this.remember(a, s);
    return { a, s };
  }

  private fresh(s: Secret): boolean {
    if (!s.accessToken) return false;
    if (s.expiresAt === undefined) return true;
    return this.d.clock.now() < s.expiresAt - marginOf(s, this.d.maxMarginMs ?? 300_000);
  }

  private needsSignIn(a: Account): FerryError {
    return new FerryError('needs-sign-in', `remote ${a.name} needs sign-in (the server refused its refresh token: ${a.statusReason ?? 'invalid_grant'}): run \`ferry remote reconnect ${a.name}\``, { serverCode: a.statusReason ?? 'invalid_grant' });
  }

  /** The access token to use now, renewed first when it is about to expire. */
  async token(signal?: AbortSignal): Promise<string> {
    // A remote marked "needs sign-in" is read again each time: a `ferry remote reconnect` in
    // another process (or this one) brings it back without a restart.
    const cached = this.account && this.secret && this.account.status === 'ok' ? { a: this.account, s: this.secret } : await this.load();
    if (cached.a.kind === 'static') return cached.s.accessToken ?? '';
    if (cached.a.status === 'needs-sign-in') throw this.needsSignIn(cached.a);
    if (this.fresh(cached.s)) return cached.s.accessToken!;
    return this.renew(undefined, signal);
  }

  /** After the server refused `used`: a newer token, refreshing once unless someone already did. */
  async rejected(used: string, signal?: AbortSignal): Promise<string | undefined> {
    if (this.account?.kind === 'static') return undefined;
    if (this.secret?.accessToken && this.secret.accessToken !== used && this.fresh(this.secret)) return this.secret.accessToken;
    return this.renew(used, signal);
  }

  private renew(rejected: string | undefined, signal?: AbortSignal): Promise<string> {
    // Single flight: however many transfers find the token stale at once, one exchange is made.
    // The exchange belongs to no caller: a paused transfer stops waiting for it, but it is never
    // cut off, because Box has already spent the old refresh token when the answer is on its way.
    this.inflight ??= this.exchange(rejected).finally(() => { this.inflight = undefined; });
    return signal ? abortable(this.inflight, signal) : this.inflight;
  }

  private async exchange(rejected: string | undefined): Promise<string> {
    const release = await this.d.lock.acquire(this.name);
    try {
      const { a, s } = await this.load();
      if (a.status === 'needs-sign-in') throw this.needsSignIn(a);
      // Another process refreshed while we waited for the lock (or before): use its token.
      if (s.accessToken && s.accessToken !== rejected && this.fresh(s)) {
        this.adopted++;
        return s.accessToken;
      }
      if (!s.refreshToken || !a.tokenUrl) throw new FerryError('needs-sign-in', `remote ${a.name} has no refresh token: run \`ferry remote reconnect ${a.name}\``);
      let ans: TokenAnswer;
      try {
        ans = await this.call(a, s);
      } catch (e) {
        const err = tokenError(e, `remote ${a.name}`, [...this.seen]);
        if (err.code === 'needs-sign-in') throw this.needsSignIn(await this.markSignedOut(a, err.context.serverCode ?? 'refresh token refused'));
        // A failed refresh with time left on the current token is not yet a problem.
        if (s.accessToken && s.accessToken !== rejected && s.expiresAt !== undefined && this.d.clock.now() < s.expiresAt) return s.accessToken;
        throw err;
      }
      const now = this.d.clock.now();
      const next: Secret = {
        ...s,
        accessToken: ans.accessToken,
        issuedAt: now,
        ...(ans.expiresIn !== undefined ? { expiresAt: now + ans.expiresIn * 1000 } : { expiresAt: undefined }),
        refreshToken: ans.refreshToken ?? s.refreshToken,
      };
      // Durable before anything else: with Box the old refresh token is already dead.
      await this.d.secrets.set(this.name, next);
      this.remember(a, next);
      this.refreshes++;
      this.d.log?.info('account token refreshed', { account: a.name, expiresInS: ans.expiresIn ?? null, rotated: ans.refreshToken !== undefined && ans.refreshToken !== s.refreshToken });
      return ans.accessToken;
    } finally {
      await release();
    }
  }

  private async call(a: Account, s: Secret): Promise<TokenAnswer> {
    if (a.kind === 'ucloud') return ucloudRefresh(this.d.http, a.tokenUrl!, s.refreshToken!, `remote ${a.name}`, this.d.clock.now());
    return refreshGrant(this.d.http, { tokenUrl: a.tokenUrl!, clientId: a.clientId ?? '', ...(s.clientSecret ? { clientSecret: s.clientSecret } : {}) }, s.refreshToken!, a.scope);
  }

  private async markSignedOut(a: Account, reason: string): Promise<Account> {
    const next: Account = { ...a, status: 'needs-sign-in', statusReason: reason, updatedAt: this.d.clock.now() };
    await this.d.accounts.put(next);
    this.account = next;
    this.d.log?.warn('account needs sign-in', { account: a.name, reason });
    return next;
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

export function isNeedsSignIn(e: unknown): boolean {
  return isFerryError(e, 'needs-sign-in');
}
