// `ferry upload FILE... NAME:path`: the last argument names a remote (`ferry remote add`) and a
// remote path, as rclone's `remote:path`. The target then uses the remote's account, whose
// tokens the runtime keeps fresh; nothing secret is put in the target itself.
import type { TargetConfig } from '../../engine/engine-api.js';
import { FileAccountStore } from '../../accounts/account-store.js';
import { accountsDir } from '../../accounts/wiring.js';
import { remoteTarget } from '../../accounts/remote-targets.js';

export interface RemoteDest {
  target: TargetConfig;
  /** Remote path from the argument ('/' when only `NAME:` was given). */
  dest: string;
}

export async function remoteDest(home: string, arg: string | undefined): Promise<RemoteDest | undefined> {
  const m = arg === undefined ? null : /^([A-Za-z0-9][A-Za-z0-9_-]{0,63}):(.*)$/.exec(arg);
  if (!m) return undefined;
  const a = await new FileAccountStore(accountsDir(home)).get(m[1]!).catch(() => undefined);
  if (!a) return undefined;
  const path = m[2]!;
  const dest = path === '' ? '/' : path.startsWith('/') ? path : `/${path}`;
  return {
    dest,
    target: remoteTarget(a),
  };
}
