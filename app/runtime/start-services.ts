// What both shells run (the desktop app's main process and `ferry host`): the runtime (engine,
// journal, sandbox), folder sync with the persisted watched folders, and the command service the
// window talks to. Each shell adds only what is its own: IPC and native dialogs, or HTTP.
import { join } from 'node:path';
import type { AppInfo } from '../common/api.js';
import { createFerryService, type FerryService, type ServiceDeps } from '../service/ferry-service.js';
import { JsonFolderStore } from '../service/folder-store.js';
import { JsonSettingsStore } from '../service/settings-store.js';
import { describeSyncEvent } from '../sync/sync-events.js';
import { SyncManager } from '../sync/sync-manager.js';
import { testConnection } from '../service/test-connection.js';
import { collectDiagnostics } from './diagnostics.js';
import { secureHome } from './ferry-home.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
import { createWatcher } from './watcher-select.js';
import { systemClock } from '../node/system-clock.js';

export interface ServicesConfig extends RuntimeOptions {
  info: AppInfo;
  paths: ServiceDeps['paths'];
  pick?: ServiceDeps['pick'];
  openExternal?: ServiceDeps['openExternal'];
  openSignIn?: ServiceDeps['openSignIn'];
}

export interface Services {
  runtime: Runtime;
  sync: SyncManager;
  service: FerryService;
  close(): Promise<void>;
}

export async function startServices(c: ServicesConfig): Promise<Services> {
  // What the user chose in the window (settings:set) before the last quit. Read before the engine
  // starts, so a resumed transfer never runs a moment without the limit. The shell's own
  // settings for this run (c.settings) win, and are not saved.
  secureHome(c.home);
  // Warnings wait for the log, which the runtime makes; later ones (a file damaged while running) go straight to it.
  const early: string[] = [];
  let warn = (m: string): void => void early.push(m);
  const settingsStore = new JsonSettingsStore(c.home, (m) => warn(m));
  const stored = await settingsStore.load();
  const runtime = await createRuntime({
    ...c,
    settings: {
      ...(stored.bwlimit ? { bwlimit: stored.bwlimit } : {}),
      ...(stored.filesAtOnce !== undefined ? { maxConcurrent: stored.filesAtOnce } : {}),
      ...(c.settings ?? {}),
    },
  });
  warn = (m) => runtime.log.warn(m, { topic: 'settings' });
  for (const m of early) warn(m);
  // Folder sync skips what adding by path refuses: credentials and Ferry's own state.
  const sync = new SyncManager({
    engine: runtime.engine, home: c.home, watcher: await createWatcher(), denied: () => c.paths().denied,
    // Nothing a watched folder leaves out or cannot read goes unsaid: it is logged with its reason.
    onEvent: (id, e) => {
      if (e.type === 'skipped' || e.type === 'error' || e.type === 'failed' || e.type === 'watcher-gave-up') runtime.log.warn(`folder ${id}: ${describeSyncEvent(e)}`, { topic: 'sync' });
    },
    log: (line) => runtime.log.warn(line, { topic: 'sync' }),
  });
  const folders = new JsonFolderStore(join(c.home, 'folders.json'), { quarantineDir: join(c.home, 'quarantine'), warn: (m) => runtime.log.warn(m, { topic: 'settings' }) });
  // Watched folders persist across restarts; one that cannot be watched now (an unplugged disk)
  // must not stop the app from starting.
  for (const f of await folders.list()) await sync.watch(f).catch(() => undefined);
  // The runtime's target store, not the raw one: it keeps the logger's list of secrets current.
  const service = createFerryService({
    engine: runtime.engine, targets: runtime.targets, folders, info: c.info, watching: sync, paths: c.paths,
    accounts: { accounts: runtime.accounts, http: runtime.accounts.d.http, clock: systemClock }, settingsStore,
    diagnostics: async (connectionTests) => ({
      stateFolder: c.home,
      text: (await collectDiagnostics({
        home: c.home, version: c.info.version, shell: c.info.shell, targets: await runtime.targets.list(),
        ...(connectionTests ? { test: (t) => testConnection(t, 3_000) } : {}), settings: { ...c.settings, tokenStorage: c.info.tokenStorage },
      })).text,
    }),
    ...(c.pick ? { pick: c.pick } : {}),
    ...(c.openExternal ? { openExternal: c.openExternal } : {}),
    ...(c.openSignIn ? { openSignIn: c.openSignIn } : {}),
  });
  return {
    runtime, sync, service,
    close: async () => {
      await sync.close();
      await runtime.close();
    },
  };
}
