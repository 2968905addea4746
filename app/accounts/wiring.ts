// How a composition root gets the accounts of $FERRY_HOME: stores and lock under
// $FERRY_HOME/accounts/, one Accounts per process, and the engine's `httpFor(target)`.
import { join } from 'node:path';
import type { TargetConfig } from '../engine/engine-api.js';
import type { Http } from '../engine/http.js';
import type { Clock, Logger } from '../engine/ports.js';
import { FileAccountStore } from './account-store.js';
import { Accounts } from './accounts.js';
import { FileRefreshLock } from './refresh-lock.js';
import { FileSecretStore } from './secret-store.js';

export { ACCOUNT_TOKEN_PLACEHOLDER } from './remote-targets.js';

export function accountsDir(home: string): string {
  return join(home, 'accounts');
}

export function homeAccounts(home: string, http: Http, clock: Clock, log?: Logger): Accounts {
  const dir = accountsDir(home);
  return new Accounts({ accounts: new FileAccountStore(dir), secrets: new FileSecretStore(dir), lock: new FileRefreshLock(dir, clock), http, clock, ...(log ? { log } : {}) });
}

/** The engine's `httpFor`: targets that name an account get that account's Http. */
export function httpForTargets(accounts: Accounts): (t: TargetConfig) => Http | undefined {
  return (t) => (t.account ? accounts.httpFor({ name: t.account, provider: t.provider, url: t.url, apiOrigins: t.options.uploadUrl ? [t.options.uploadUrl] : [] }) : undefined);
}
