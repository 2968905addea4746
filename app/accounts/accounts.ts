// The accounts service of one process: one AccountTokens per account (so every transfer to it
// shares one refresh), the Http each target's provider should use, and sign-in bookkeeping.
import type { ProviderId } from '../common/transfer.js';
import type { Http } from '../engine/http.js';
import { AccountHttp } from './account-http.js';
import { AccountTokens, type AccountTokensDeps } from './account-tokens.js';
import type { Account, Secret } from './credential.js';
import { PROFILES } from './profiles.js';

/** What every account's tokens are kept with: the same as one account's (AccountTokensDeps). */
export type AccountsDeps = AccountTokensDeps;

export class Accounts {
  private readonly tokens = new Map<string, AccountTokens>();

  constructor(readonly d: AccountsDeps) {}

  tokensOf(name: string): AccountTokens {
    let t = this.tokens.get(name);
    if (!t) {
      t = new AccountTokens(name, this.d);
      this.tokens.set(name, t);
    }
    return t;
  }

  /** The Http a provider for this account should use (wrapping `inner`, the shared transport). */
  httpFor(a: Pick<Account, 'name' | 'provider' | 'url' | 'apiOrigins'>, inner: Http = this.d.http): Http {
    const p = PROFILES[a.provider as ProviderId];
    const origins = [a.url, ...(a.apiOrigins ?? []), ...(a.url.startsWith('https://api.box.com') ? (p.apiOrigins ?? []) : [])];
    return new AccountHttp(inner, this.tokensOf(a.name), { origins, rejectStatuses: p.rejectStatuses });
  }

  /** Saves a fresh sign-in: secret first, then the account marked ok (a reconnect clears "needs sign-in"). */
  async signedIn(a: Account, s: Secret): Promise<void> {
    await this.d.secrets.set(a.name, s);
    const { statusReason: _drop, ...rest } = a;
    await this.d.accounts.put({ ...rest, status: 'ok', updatedAt: this.d.clock.now() });
  }

  /** Every secret string this process has seen, for log redaction. */
  secretsSeen(): string[] {
    return [...this.tokens.values()].flatMap((t) => [...t.seen]);
  }
}
