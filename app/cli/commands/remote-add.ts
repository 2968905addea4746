// `ferry remote add` and `reconnect`: build the account from flags, obtain its first tokens
// (given, by browser loopback, or by device code), store them, and prove they work by getting
// an access token before saying "added".
import { FerryError } from '../../common/errors.js';
import { PRESETS } from '../../common/account-form.js';
import { PROVIDER_IDS, type ProviderId } from '../../common/transfer.js';
import type { Http } from '../../engine/http.js';
import type { Accounts } from '../../accounts/accounts.js';
import { validAccountName, type Account, type Secret } from '../../accounts/credential.js';
import { tokenError, type OAuthClient, type TokenAnswer } from '../../accounts/grants.js';
import { PROFILES } from '../../accounts/profiles.js';
import { signInDevice, signInLoopback } from '../../accounts/signin.js';
import { systemClock } from '../../node/system-clock.js';

export interface AddValues {
  provider?: string; endpoint?: string; token?: string;
  'client-id'?: string; 'client-secret'?: string; 'refresh-token'?: string;
  'token-url'?: string; 'auth-url'?: string; 'device-url'?: string; scope?: string;
  'device-code'?: boolean; option?: string[];
}

/** The new account, or a usage message. */
export async function addRemote(accounts: Accounts, http: Http, name: string, v: AddValues): Promise<Account | string> {
  if (!validAccountName(name)) return `'${name}' is not a valid remote name: use letters, digits, - and _ (at most 64)`;
  if (await accounts.d.accounts.get(name)) return `a remote named ${name} exists already (ferry remote remove ${name}, or reconnect it)`;
  if (!v.provider || !(PROVIDER_IDS as readonly string[]).includes(v.provider)) return `--provider must be one of ${PROVIDER_IDS.join(', ')}`;
  const provider = v.provider as ProviderId;
  // The provider's real address is built in (as in the window); tus servers have none to assume.
  v = { ...v, endpoint: v.endpoint ?? (PRESETS[provider].url || undefined) };
  if (!v.endpoint) return `--endpoint is required for ${provider} (the server's upload address)`;
  try {
    new URL(v.endpoint);
  } catch {
    return `--endpoint is not a URL: ${v.endpoint}`;
  }
  const options: Record<string, string> = {};
  for (const kv of v.option ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) return `--option takes key=value, got '${kv}'`;
    options[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const p = PROFILES[provider];
  const now = systemClock.now();
  const staticToken = v.token !== undefined;
  const kind = staticToken ? 'static' : provider === 'ucloud' ? 'ucloud' : 'oauth';
  if (!p.kinds.includes(kind)) return `${provider} remotes take ${p.kinds.join(' or ')} credentials, not ${kind}`;
  if (kind === 'oauth' && !v['client-id']) return '--client-id is required for OAuth sign-in (or pass --token for a fixed token)';
  const tokenUrl = v['token-url'] ?? (kind === 'ucloud' ? `${new URL(v.endpoint).origin}/auth/refresh` : p.tokenUrl);
  const a: Account = {
    name, provider, url: v.endpoint, options, kind, status: 'ok', createdAt: now, updatedAt: now,
    ...(tokenUrl && !staticToken ? { tokenUrl } : {}),
    ...(v['client-id'] ? { clientId: v['client-id'] } : {}),
    ...(v.scope ?? p.scope ? { scope: v.scope ?? p.scope! } : {}),
  };
  if (staticToken) {
    await accounts.signedIn(a, { accessToken: v.token! });
    return a;
  }
  try {
    return await signIn(accounts, http, a, v);
  } catch (e) {
    // A remote that never worked is not kept: `add` can simply be run again.
    await accounts.d.secrets.delete(name).catch(() => undefined);
    await accounts.d.accounts.remove(name).catch(() => undefined);
    const info = e instanceof FerryError ? e : undefined;
    throw new FerryError(info?.code === 'needs-sign-in' ? 'auth' : info?.code ?? 'internal', `${name} was not added: ${info?.code === 'needs-sign-in' ? `the server refused the refresh token (${info.context.serverCode ?? 'invalid_grant'})` : (e as Error).message}`);
  }
}

export async function reconnectRemote(accounts: Accounts, http: Http, name: string, v: AddValues): Promise<Account | string> {
  const a = await accounts.d.accounts.get(name);
  if (!a) return `no remote named ${name}`;
  if (a.kind === 'static') {
    if (!v.token) return `${name} uses a fixed token: pass the new one with --token`;
    await accounts.signedIn(a, { accessToken: v.token });
    return a;
  }
  const old = await accounts.d.secrets.get(name);
  return signIn(accounts, http, a, { ...v, ...(v['client-secret'] ?? old?.clientSecret ? { 'client-secret': v['client-secret'] ?? old!.clientSecret! } : {}) });
}

async function signIn(accounts: Accounts, http: Http, a: Account, v: AddValues): Promise<Account> {
  const p = PROFILES[a.provider];
  const client: OAuthClient = {
    tokenUrl: a.tokenUrl ?? '', clientId: a.clientId ?? '',
    ...(v['client-secret'] ? { clientSecret: v['client-secret'] } : {}),
    ...(v['device-url'] ?? p.deviceUrl ? { deviceUrl: v['device-url'] ?? p.deviceUrl! } : {}),
  };
  let first: TokenAnswer | undefined;
  const secret: Secret = { ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}) };
  if (v['refresh-token']) {
    secret.refreshToken = v['refresh-token'];
  } else if (a.kind === 'ucloud') {
    throw new FerryError('bad-input', 'UCloud sessions need --refresh-token (or use an API token with --token)');
  } else {
    if (v['device-code'] && !client.deviceUrl) {
      // Box has no device authorization endpoint (accounts.md section 2): rclone's way is the only one.
      throw new FerryError('bad-input', `${a.provider} has no device-code sign-in: sign in on a computer with a browser (ferry remote add there, or any OAuth tool) and pass the refresh token with --refresh-token`);
    }
    try {
      first = v['device-code']
        ? await signInDevice(http, systemClock, client, a.scope, (d) => process.stderr.write(`${d.message ?? `Open ${d.verificationUri} and enter the code ${d.userCode}`}\n`))
        : await signInLoopback(http, { authorizeUrl: v['auth-url'] ?? p.authorizeUrl ?? '', client, ...(a.scope ? { scope: a.scope } : {}), open: (url) => process.stderr.write(`Open this address in your browser to sign in to ${a.provider}:\n${url}\n`) });
    } catch (e) {
      throw tokenError(e, `signing in ${a.name}`, []);
    }
    const now = systemClock.now();
    secret.accessToken = first.accessToken;
    secret.issuedAt = now;
    if (first.expiresIn !== undefined) secret.expiresAt = now + first.expiresIn * 1000;
    if (first.refreshToken) secret.refreshToken = first.refreshToken;
  }
  await accounts.signedIn(a, secret);
  // Prove it: an access token now (a refresh when only a refresh token was given).
  await accounts.tokensOf(a.name).token();
  return (await accounts.d.accounts.get(a.name))!;
}
