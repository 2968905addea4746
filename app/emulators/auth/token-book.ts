// The emulated authorization server's memory: codes, device codes, access and refresh tokens.
// Rotation follows the provider being played (accounts.md): Box refresh tokens are single use,
// each refresh invalidates the one redeemed (B-rt); Microsoft returns a new refresh token on
// every use and does not revoke the old one (MS-rt).
import { createHash, randomBytes } from 'node:crypto';

export type Flavor = 'box' | 'microsoft';

export interface Client {
  clientId: string;
  /** Box always sends one (B-wo); Microsoft desktop apps are public clients and must not (MS-err AADSTS700025). */
  clientSecret?: string;
}

interface Grant {
  clientId: string;
  scope: string;
  /** Epoch ms after which the refresh token is refused (Box 60 days, Microsoft 90 days). */
  expiresAt: number;
}

export interface TokenBookOptions {
  flavor: Flavor;
  now: () => number;
  /** Access token lifetime; seconds in tests (Box 3600 s, Microsoft 60-90 min). */
  accessTtlMs: number;
  refreshTtlMs: number;
}

export interface Issued {
  access_token: string;
  token_type: 'bearer' | 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope?: string;
}

const rand = (n = 24): string => randomBytes(n).toString('base64url');

export class TokenBook {
  private readonly access = new Map<string, { expiresAt: number; clientId: string }>();
  private readonly refresh = new Map<string, Grant>();
  private readonly codes = new Map<string, { clientId: string; redirectUri: string; challenge?: string; method?: string; scope: string; expiresAt: number }>();
  private readonly devices = new Map<string, { clientId: string; userCode: string; scope: string; expiresAt: number; approved: boolean; lastPoll: number }>();
  /** Refresh-token exchanges answered with new tokens. */
  refreshes = 0;
  /** Access tokens issued in all. */
  issued = 0;

  constructor(readonly o: TokenBookOptions) {}

  issue(clientId: string, scope: string): Issued {
    const now = this.o.now();
    const access = `at_${rand()}`;
    const refresh = `rt_${rand(32)}`;
    this.access.set(access, { expiresAt: now + this.o.accessTtlMs, clientId });
    this.refresh.set(refresh, { clientId, scope, expiresAt: now + this.o.refreshTtlMs });
    this.issued++;
    return {
      access_token: access,
      // Box writes "bearer", Microsoft "Bearer" (B-wo, MS-code).
      token_type: this.o.flavor === 'box' ? 'bearer' : 'Bearer',
      expires_in: Math.max(1, Math.round(this.o.accessTtlMs / 1000)),
      refresh_token: refresh,
      ...(this.o.flavor === 'microsoft' ? { scope } : {}),
    };
  }

  valid(access: string | undefined): boolean {
    const t = access === undefined ? undefined : this.access.get(access);
    return t !== undefined && this.o.now() < t.expiresAt;
  }

  /** A refresh: the grant, or why not (invalid_grant). Box's refresh token dies on use. */
  redeem(refreshToken: string, clientId: string): Issued | 'invalid' | 'expired' {
    const g = this.refresh.get(refreshToken);
    if (!g || g.clientId !== clientId) return 'invalid';
    if (this.o.now() >= g.expiresAt) return 'expired';
    if (this.o.flavor === 'box') this.refresh.delete(refreshToken);
    this.refreshes++;
    return this.issue(clientId, g.scope);
  }

  newCode(c: { clientId: string; redirectUri: string; challenge?: string; method?: string; scope: string }, ttlMs: number): string {
    const code = `code_${rand()}`;
    this.codes.set(code, { ...c, expiresAt: this.o.now() + ttlMs });
    return code;
  }

  /** An authorization code, used once (RFC 6749 4.1.2), checked against redirect_uri and PKCE (RFC 7636 4.6). */
  takeCode(code: string, clientId: string, redirectUri: string, verifier: string | undefined): Issued | string {
    const c = this.codes.get(code);
    this.codes.delete(code);
    if (!c || c.clientId !== clientId) return 'The authorization code is invalid or has already been used';
    if (this.o.now() >= c.expiresAt) return 'The authorization code has expired';
    if (c.redirectUri !== redirectUri) return 'The redirect_uri does not match the one of the authorization request';
    if (c.challenge !== undefined) {
      if (verifier === undefined) return 'code_verifier is required (PKCE)';
      const want = c.method === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
      if (want !== c.challenge) return 'The code_verifier does not match the code_challenge';
    }
    return this.issue(clientId, c.scope);
  }

  newDevice(clientId: string, scope: string, ttlMs: number): { deviceCode: string; userCode: string } {
    const deviceCode = `dc_${rand()}`;
    const userCode = randomBytes(4).toString('hex').toUpperCase();
    this.devices.set(deviceCode, { clientId, userCode, scope, expiresAt: this.o.now() + ttlMs, approved: false, lastPoll: 0 });
    return { deviceCode, userCode };
  }

  approveDevice(userCode: string): boolean {
    for (const d of this.devices.values()) {
      if (d.userCode === userCode.trim().toUpperCase() && this.o.now() < d.expiresAt) {
        d.approved = true;
        return true;
      }
    }
    return false;
  }

  /** A device-code poll: tokens once approved, else the RFC 8628 3.5 error code. */
  pollDevice(deviceCode: string, clientId: string): Issued | 'authorization_pending' | 'expired_token' | 'bad_verification_code' {
    const d = this.devices.get(deviceCode);
    if (!d || d.clientId !== clientId) return 'bad_verification_code';
    if (this.o.now() >= d.expiresAt) return 'expired_token';
    if (!d.approved) return 'authorization_pending';
    this.devices.delete(deviceCode);
    return this.issue(clientId, d.scope);
  }

  /** Revokes one token (Box /oauth2/revoke revokes the pair's access and refresh token). */
  revoke(token: string): void {
    this.access.delete(token);
    this.refresh.delete(token);
  }

  /** Test hooks: sign-out everywhere (a password reset), or every access token expiring now. */
  revokeAllRefreshTokens(): void {
    this.refresh.clear();
  }

  expireAllAccessTokens(): void {
    this.access.clear();
  }
}
