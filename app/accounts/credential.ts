// What an account is: where it points (provider, API URL, options) and how it proves who it is.
// The metadata (`Account`) is not secret and may be shown; the `Secret` part (tokens, client
// secret) lives only in a SecretStore and never in the journal, logs, output or events.
import type { ProviderId } from '../common/transfer.js';

/** How the credential is renewed; says nothing secret. */
export type CredentialKind =
  /** A fixed bearer token (API token, PAT, developer token): nothing to refresh. */
  | 'static'
  /** OAuth 2.0: access token + refresh token, renewed at `tokenUrl` (RFC 6749 section 6). */
  | 'oauth'
  /** UCloud session: a refresh token exchanged at `POST {host}/auth/refresh` for a 10-minute JWT (not rotated). */
  | 'ucloud';

export type AccountStatus = 'ok' | 'needs-sign-in';

export interface Account {
  /** The remote's name, as in `ferry upload file box:Footage/` (letters, digits, - and _). */
  name: string;
  provider: ProviderId;
  /** Provider API base URL (what the provider client takes as `endpoint.url`). */
  url: string;
  options: Record<string, string>;
  kind: CredentialKind;
  /** OAuth: the token endpoint; UCloud: the refresh endpoint. */
  tokenUrl?: string;
  /** OAuth client id (public; a client secret, when there is one, is in the Secret). */
  clientId?: string;
  /** Where a browser sign-in starts and a device-code one asks for its code (kept so "Sign in again" reaches the same server). */
  authorizeUrl?: string;
  deviceUrl?: string;
  /** How the user signed in last time ('browser' or 'device'); "Sign in again" does the same. */
  signInMethod?: 'browser' | 'device';
  /** Space-separated scopes to ask for on refresh (Microsoft wants them every time). */
  scope?: string;
  /** Origins (scheme://host:port) whose requests get this account's bearer token, beside `url`'s own. */
  apiOrigins?: string[];
  status: AccountStatus;
  /** Why sign-in is needed (server's error code, never a token). */
  statusReason?: string;
  createdAt: number;
  updatedAt: number;
}

/** The secret half of an account, one SecretStore entry per account. */
export interface Secret {
  accessToken?: string;
  /** Epoch ms (Clock port) after which the access token is no longer accepted. */
  expiresAt?: number;
  /** When the access token was issued, to place the refresh margin inside its lifetime. */
  issuedAt?: number;
  refreshToken?: string;
  clientSecret?: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Account names end up in file names and in `name:path` arguments: a safe, small alphabet. */
export function validAccountName(name: string): boolean {
  return NAME_RE.test(name);
}

/** Every secret string of a Secret, for redaction. */
export function secretStrings(s: Secret | undefined): string[] {
  if (!s) return [];
  return [s.accessToken, s.refreshToken, s.clientSecret].filter((v): v is string => typeof v === 'string' && v.length > 0);
}
