// Interactive sign-ins the window started: each runs in the service (the window only sees its
// state: the address to open, the code to type, or why it failed). The account is saved only once
// the provider gave tokens and one was proven; the device code and PKCE verifier never leave here.
import type { SignInState } from '../common/api.js';
import { FerryError, toErrorInfo } from '../common/errors.js';
import type { Http } from '../engine/http.js';
import type { Clock } from '../engine/ports.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Account, Secret } from '../accounts/credential.js';
import { tokenError, type OAuthClient, type TokenAnswer } from '../accounts/grants.js';
import { PROFILES } from '../accounts/profiles.js';
import { signInDevice, signInLoopback } from '../accounts/signin.js';

export interface Pending {
  account: Account;
  state?: SignInState;
  abort: AbortController;
  /** The account existed before (a "Sign in again"): failure must not remove it. */
  existing: boolean;
  /** Kept for a second try after a failure (never shown). */
  clientSecret?: string;
}

export interface SignInDeps {
  accounts: Accounts;
  http: Http;
  clock: Clock;
  /** Desktop: the system browser. Host: absent; the window opens the address itself. */
  openExternal?: (url: string) => Promise<void>;
  changed: () => void;
}

export class SignIns {
  readonly pending = new Map<string, Pending>();

  constructor(private readonly d: SignInDeps) {}

  /**
   * Starts a browser or device-code sign-in for `a` (client secret, when the provider has one,
   * kept for the refreshes). Resolves once there is something to show: the address, the code,
   * or the failure; the sign-in itself runs on.
   */
  start(a: Account, method: 'browser' | 'device', clientSecret: string | undefined, existing: boolean): Promise<void> {
    this.pending.get(a.name)?.abort.abort();
    const p: Pending = { account: a, abort: new AbortController(), existing, ...(clientSecret ? { clientSecret } : {}) };
    this.pending.set(a.name, p);
    let shown: () => void = () => undefined;
    const first = new Promise<void>((resolve) => { shown = resolve; });
    const show = (s: SignInState) => {
      if (this.pending.get(a.name) !== p) return;
      p.state = s;
      this.d.changed();
      shown();
    };
    void this.run(p, method, clientSecret, show).then(() => {
      if (this.pending.get(a.name) === p) this.pending.delete(a.name);
      this.d.changed();
      shown();
    }, (e: unknown) => {
      const info = toErrorInfo(e);
      show({ step: 'failed', message: info.code === 'needs-sign-in' ? `the server refused the sign-in (${info.message})` : info.message });
    });
    return first;
  }

  cancel(name: string): boolean {
    const p = this.pending.get(name);
    if (!p) return false;
    p.abort.abort();
    this.pending.delete(name);
    this.d.changed();
    return true;
  }

  private async run(p: Pending, method: 'browser' | 'device', clientSecret: string | undefined, show: (s: SignInState) => void): Promise<void> {
    const a = p.account;
    const prof = PROFILES[a.provider];
    const client: OAuthClient = {
      tokenUrl: a.tokenUrl ?? prof.tokenUrl ?? '', clientId: a.clientId ?? '',
      ...(clientSecret ? { clientSecret } : {}),
      ...(a.deviceUrl ?? prof.deviceUrl ? { deviceUrl: a.deviceUrl ?? prof.deviceUrl! } : {}),
    };
    if (method === 'device' && !client.deviceUrl) {
      throw new FerryError('bad-input', `${a.provider} has no sign-in with a code: sign in with the browser on a computer that has one`);
    }
    let first: TokenAnswer;
    try {
      first = method === 'device'
        ? await signInDevice(this.d.http, this.d.clock, client, a.scope, (s) => show({ step: 'code', userCode: s.userCode, verificationUri: s.verificationUri }), p.abort.signal)
        : await signInLoopback(this.d.http, {
          authorizeUrl: a.authorizeUrl ?? prof.authorizeUrl ?? '', client, ...(a.scope ? { scope: a.scope } : {}), signal: p.abort.signal,
          open: (url) => {
            show({ step: 'browser', url });
            void this.d.openExternal?.(url).catch(() => undefined);
          },
        });
    } catch (e) {
      throw tokenError(e, `signing in ${a.name}`, []);
    }
    if (p.abort.signal.aborted) return;
    const now = this.d.clock.now();
    const secret: Secret = {
      accessToken: first.accessToken, issuedAt: now,
      ...(first.expiresIn !== undefined ? { expiresAt: now + first.expiresIn * 1000 } : {}),
      ...(first.refreshToken ? { refreshToken: first.refreshToken } : {}),
      ...(clientSecret ? { clientSecret } : {}),
    };
    await this.d.accounts.signedIn({ ...a, signInMethod: method }, secret);
    try {
      await this.d.accounts.tokensOf(a.name).token();
    } catch (e) {
      if (!p.existing) {
        await this.d.accounts.d.secrets.delete(a.name).catch(() => undefined);
        await this.d.accounts.d.accounts.remove(a.name).catch(() => undefined);
      }
      throw e;
    }
  }
}
