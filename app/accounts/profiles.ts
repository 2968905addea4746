// What each provider's sign-in looks like (accounts.md sections 1-5). Real endpoints are the
// defaults; `ferry remote add --token-url/--auth-url` points them at an emulator.
import type { ProviderId } from '../common/transfer.js';
import type { CredentialKind } from './credential.js';

export interface SignInProfile {
  /** Credential kinds this provider supports, the first being the usual one. */
  kinds: CredentialKind[];
  authorizeUrl?: string;
  tokenUrl?: string;
  deviceUrl?: string;
  /** Scopes asked for at sign-in and on every refresh. */
  scope?: string;
  /** Statuses that mean the access token is no longer accepted. */
  rejectStatuses: number[];
  /** Extra API origins beside the endpoint's own (Box uploads go to upload.box.com). */
  apiOrigins?: string[];
}

const MS_LOGIN = 'https://login.microsoftonline.com/common/oauth2/v2.0';

export const PROFILES: Record<ProviderId, SignInProfile> = {
  // Microsoft identity platform: public client, auth code + PKCE or device code; offline_access
  // is needed for a refresh token (MS-code, MS-dev). Graph answers 401 for an expired token (G-401).
  onedrive: { kinds: ['oauth', 'static'], authorizeUrl: `${MS_LOGIN}/authorize`, tokenUrl: `${MS_LOGIN}/token`, deviceUrl: `${MS_LOGIN}/devicecode`, scope: 'Files.ReadWrite offline_access', rejectStatuses: [401] },
  // Box: auth code with client secret; refresh tokens single use (B-wo, B-rt); 401 invalid_token (B-err).
  box: { kinds: ['oauth', 'static'], authorizeUrl: 'https://account.box.com/api/oauth2/authorize', tokenUrl: 'https://api.box.com/oauth2/token', rejectStatuses: [401], apiOrigins: ['https://upload.box.com'] },
  // UCloud: API token (static) or a session refresh token; an expired JWT answers 403 (U-bearer).
  ucloud: { kinds: ['static', 'ucloud'], rejectStatuses: [401, 403] },
  // Synapse: PAT (static); OAuth needs a Sage-verified confidential client (S-oauth).
  synapse: { kinds: ['static', 'oauth'], tokenUrl: 'https://repo-prod.prod.sagebase.org/auth/v1/oauth2/token', rejectStatuses: [401] },
  // Redivis: API token; official clients use a device grant of their own (R-py).
  redivis: { kinds: ['static', 'oauth'], tokenUrl: 'https://redivis.com/oauth/token', rejectStatuses: [401] },
  tus: { kinds: ['static'], rejectStatuses: [401] },
};
