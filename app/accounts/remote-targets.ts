// Remotes as targets: the host, the desktop app and `ferry upload NAME:path` see every remote of
// $FERRY_HOME as the target `remote-<name>`, whose provider gets the account's Http. Remotes are
// managed by `ferry remote`, so put/remove of such ids are refused here.
import { FerryError } from '../common/errors.js';
import type { TargetConfig, TargetStore } from '../engine/engine-api.js';
import type { AccountStore } from './account-store.js';
import type { Account } from './credential.js';

/**
 * `TargetConfig.token` of a remote's target. Never sent: it only makes provider clients write an
 * authorization header (tus writes none for an empty token), which the account's Http fills in.
 */
export const ACCOUNT_TOKEN_PLACEHOLDER = 'ferry-account-token-placeholder';

const PREFIX = 'remote-';

export function remoteTarget(a: Account): TargetConfig {
  return { id: `${PREFIX}${a.name}`, name: a.name, provider: a.provider, url: a.url, token: ACCOUNT_TOKEN_PLACEHOLDER, account: a.name, options: a.options, conflict: 'rename', remoteRoot: '/' };
}

export class RemoteTargetStore implements TargetStore {
  constructor(private readonly inner: TargetStore, private readonly accounts: AccountStore) {}

  async list(): Promise<TargetConfig[]> {
    return [...(await this.inner.list()), ...(await this.accounts.list()).map(remoteTarget)];
  }

  async get(id: string): Promise<TargetConfig | undefined> {
    if (id.startsWith(PREFIX)) {
      const a = await this.accounts.get(id.slice(PREFIX.length)).catch(() => undefined);
      if (a) return remoteTarget(a);
    }
    return this.inner.get(id);
  }

  async put(t: TargetConfig): Promise<void> {
    if (t.id.startsWith(PREFIX) && (await this.accounts.get(t.id.slice(PREFIX.length)).catch(() => undefined))) {
      throw new FerryError('bad-input', `${t.id} is a remote: change it with ferry remote`);
    }
    return this.inner.put(t);
  }

  async remove(id: string): Promise<void> {
    return this.inner.remove(id);
  }
}
