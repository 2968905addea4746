// A real runtime in a temp $FERRY_HOME whose target is a remote (account) signed in to an
// emulator with an emulated authorization server beside it, access tokens living `ttlMs`.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetConfig } from '../../app/engine/engine-api.js';
import { createRuntime, type Runtime } from '../../app/runtime/runtime.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { EMULATORS } from '../../app/emulators/registry.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { authFor, type AuthForEmulator } from '../../app/emulators/auth/attach.js';
import type { Account } from '../../app/accounts/credential.js';
import { FileAccountStore } from '../../app/accounts/account-store.js';
import { FileSecretStore } from '../../app/accounts/secret-store.js';
import { accountsDir } from '../../app/accounts/wiring.js';
import { FAST_RETRY } from './engine-rig.js';
import { optionPorts, startFaultProxy, throughProxy, type FaultProxy } from './fault-proxy.js';

export interface AccountHarness {
  emu: RunningEmulator;
  auth: AuthForEmulator;
  home: string;
  root: string;
  target: TargetConfig;
  account: Account;
  runtime: Runtime;
  proxy?: FaultProxy;
  makeFile(name: string, size: number): Promise<string>;
  boot(): Promise<Runtime>;
  close(): Promise<void>;
}

export async function startAccountHarness(provider: 'box' | 'onedrive', o: { ttlMs: number; emulator?: Record<string, unknown>; options?: Record<string, string>; chunkSize?: number; maxConcurrent?: number; signInPollMs?: number; bytesPerSec?: number }): Promise<AccountHarness> {
  const root = mkdtempSync(join(tmpdir(), `ferry-acct-${provider}-`));
  const home = join(root, 'home');
  const auth = await authFor(provider, { accessTtlMs: o.ttlMs });
  const emu = await EMULATORS[provider].emulate({ dataDir: join(root, 'emu'), auth: auth.check, ...(o.emulator ?? {}) });
  const ep0 = EMULATORS[provider].endpointFor(emu);
  // A link of known speed makes the upload last long enough to outlive several tokens on any machine.
  // Every origin the client talks to (Box uploads go to a second one) passes the one shaped proxy.
  const proxy = o.bytesPerSec ? await startFaultProxy({ targetPort: Number(new URL(emu.url).port), alsoTargetPorts: optionPorts(ep0) }) : undefined;
  if (proxy) await proxy.setMode({ kind: 'bandwidth', bytesPerSec: o.bytesPerSec! });
  const ep = proxy ? throughProxy(ep0, proxy) : ep0;
  const first = auth.server.preConsented(auth.clientId, provider === 'onedrive' ? 'Files.ReadWrite offline_access' : '');
  const account: Account = {
    name: `my${provider}`, provider, url: ep.url, options: { ...ep.options, ...(o.options ?? {}) }, kind: 'oauth',
    tokenUrl: auth.server.tokenUrl, clientId: auth.clientId, ...(provider === 'onedrive' ? { scope: 'Files.ReadWrite offline_access' } : {}),
    status: 'ok', createdAt: Date.now(), updatedAt: Date.now(),
  };
  const dir = accountsDir(home);
  await new FileAccountStore(dir).put(account);
  // Only the refresh token: the first access token is fetched by the engine like any later one.
  await new FileSecretStore(dir).set(account.name, { refreshToken: first.refresh_token, ...(auth.clientSecret ? { clientSecret: auth.clientSecret } : {}) });
  const target: TargetConfig = { id: `acct-${provider}`, name: account.name, provider, url: ep.url, token: '', account: account.name, options: account.options, conflict: 'rename', remoteRoot: '/' };
  const boot = (): Promise<Runtime> => createRuntime({
    home, targets: new MemoryTargetStore([target]),
    settings: { autoResume: true, maxConcurrent: o.maxConcurrent ?? 1, ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}), retry: { ...FAST_RETRY, signInPollMs: o.signInPollMs ?? 100 }, notifyMs: 10 },
  });
  const h: AccountHarness = {
    emu, auth, home, root, target, account, ...(proxy ? { proxy } : {}),
    runtime: await boot(),
    boot,
    makeFile: async (name, size) => {
      const p = join(root, name);
      const fh = await fsp.open(p, 'w');
      const block = randomBytes(1 << 20);
      for (let off = 0; off < size; off += block.length) await fh.write(block, 0, Math.min(block.length, size - off));
      await fh.close();
      return p;
    },
    close: async () => {
      await h.runtime.close().catch(() => undefined);
      await proxy?.close();
      await emu.close();
      await auth.server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return h;
}

export async function sha256File(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(p)) h.update(c as Buffer);
  return h.digest('hex');
}
