// The composition root for processes that run the engine without Electron (CLI, headless host)
// and for the desktop main process: every real adapter wired into `createEngine`.
import { join } from 'node:path';
import { createEngine, type EngineSettings } from '../engine/engine.js';
import type { Engine, TargetConfig, TargetStore } from '../engine/engine-api.js';
import type { Logger } from '../engine/ports.js';
import type { RunningEmulator } from '../emulators/kit/emulator-host.js';
import { clientEntry } from '../providers/registry.js';
import { FileJournal } from '../node/file-journal.js';
import { NodeFileSource } from '../node/file-source.js';
import { inlineDigester } from '../engine/digester.js';
import { createHasher } from '../node/hashers.js';
import { preferBaselineWasm, UndiciHttp } from '../node/http-transport.js';
import { createLogger } from '../node/logger.js';
import { FilePaceShare } from '../node/pace-share.js';
import { secureHome } from './ferry-home.js';
import { startSandbox } from './sandbox.js';
import { withCrashHook } from './crash-hook.js';
import { systemClock } from '../node/system-clock.js';
import { chooseDigester, WorkerDigester } from '../node/worker-digester.js';
import { FileTargetStore } from './target-stores.js';
import type { Accounts } from '../accounts/accounts.js';
import { accountsDir, homeAccounts, httpForTargets } from '../accounts/wiring.js';
import { FileAccountStore } from '../accounts/account-store.js';
import { RemoteTargetStore } from '../accounts/remote-targets.js';

export interface RuntimeOptions {
  home: string;
  /** Start the in-process sandbox target. */
  sandbox?: boolean;
  targets?: TargetStore;
  settings?: Partial<EngineSettings>;
  /** Echo warnings to stderr (CLI). */
  stderr?: boolean;
  /** Sees every warning and error (redacted). */
  echo?: (level: 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** Extra CA certificates (PEM) to trust, e.g. an https emulator's. */
  ca?: string;
  /** Stall bound for HTTP requests (fault row 3). */
  idleTimeoutMs?: number;
  afterChunk?: (id: string, offset: number) => void;
}

export interface Runtime {
  engine: Engine;
  targets: TargetStore;
  log: Logger;
  sandboxTarget?: TargetConfig;
  sandboxEmulator?: RunningEmulator;
  /** The remotes of $FERRY_HOME (`ferry remote`), whose tokens this process keeps fresh. */
  accounts: Accounts;
  close(): Promise<void>;
}

/** The targets of a state folder: those saved by the window or the host, and every remote (`remote-<name>`). */
export function homeTargets(home: string, warn?: (msg: string) => void): TargetStore {
  return new RemoteTargetStore(new FileTargetStore(home, warn), new FileAccountStore(accountsDir(home)));
}

export async function createRuntime(o: RuntimeOptions): Promise<Runtime> {
  secureHome(o.home);
  let secrets: string[] = [];
  // Made once the transport exists; the logger asks it for the tokens it must redact.
  const acc: { a?: Accounts } = {};
  const log = createLogger({ file: join(o.home, 'logs', 'ferry.log'), stderr: o.stderr ?? false, secrets: () => [...secrets, ...(acc.a?.secretsSeen() ?? [])], ...(o.echo ? { echo: o.echo } : {}) });
  // Every remote of $FERRY_HOME (`ferry remote add`) is a target too, `remote-<name>`.
  const targets = o.targets ?? homeTargets(o.home, (m) => log.warn(m, { topic: 'settings' }));
  const refreshSecrets = async (): Promise<void> => {
    secrets = (await targets.list()).map((t) => t.token);
  };
  const sandbox = o.sandbox ? await startSandbox(o.home, (m) => log.warn(m, { topic: 'sandbox' })) : undefined;
  if (sandbox) await targets.put(sandbox.target);
  await refreshSecrets();
  preferBaselineWasm();
  const http = new UndiciHttp({ ...(o.ca ? { ca: o.ca } : {}), ...(o.idleTimeoutMs ? { idleTimeoutMs: o.idleTimeoutMs } : {}) });
  const accounts = (acc.a = homeAccounts(o.home, http, systemClock, log));
  const watched: TargetStore = {
    list: () => targets.list(),
    get: (id) => targets.get(id),
    put: async (t) => {
      await targets.put(t);
      await refreshSecrets();
    },
    remove: async (id) => {
      await targets.remove(id);
      await refreshSecrets();
    },
  };
  // Hashing on a worker thread overlaps it with sending (docs/benchmarks.md); FERRY_HASH_WORKER=off hashes in-thread.
  const digester = chooseDigester(process.env, () => inlineDigester(createHasher));
  // The limit is for the computer: processes sending at once on this $FERRY_HOME share it.
  const share = FilePaceShare.in(o.home, systemClock);
  const engine = createEngine({
    journal: new FileJournal(o.home, log),
    files: new NodeFileSource(),
    clock: systemClock,
    log,
    hashers: createHasher,
    digester,
    http,
    httpFor: httpForTargets(accounts),
    providers: (id) => withCrashHook(clientEntry(id).create, process.env.FERRY_CRASH_HOOK),
    targets: watched,
    settings: { maxConcurrent: 1, autoResume: true, ...(o.settings ?? {}) },
    ...(o.afterChunk ? { afterChunk: o.afterChunk } : {}),
    bandwidthShare: share,
  });
  await engine.start();
  return {
    engine,
    targets: watched,
    log,
    accounts,
    ...(sandbox ? { sandboxTarget: sandbox.target, sandboxEmulator: sandbox.emulator } : {}),
    close: async () => {
      await engine.shutdown();
      await share.close();
      if (digester instanceof WorkerDigester) await digester.close();
      await sandbox?.emulator.close();
    },
  };
}
