// The command handlers behind the UI contract (app/common/api.ts), shared by the Electron main
// process (over IPC) and the headless host (over HTTP), so both shells behave identically.
// `dispatch` validates the payload, runs the handler and always answers a Result.
import { randomUUID } from 'node:crypto';
import type { AppInfo, CommandChannel, ConnectionCheck, Events, EventChannel, Req, Res, Result, TargetSummary } from '../common/api.js';
import { validateCommand } from '../common/api-validate.js';
import { FerryError, toErrorInfo } from '../common/errors.js';
import { checkRemotePath } from '../common/remote-path.js';
import { DeltaTracker } from '../common/transfer-delta.js';
import { isSettled } from '../common/transfer.js';
import type { Engine, TargetConfig, TargetStore } from '../engine/engine-api.js';
import { addItems } from './add-items.js';
import { checkPath, expandPaths, type PathPolicy } from './expand-paths.js';
import type { FolderStore, FolderWatching } from './folder-store.js';
import { testConnection } from './test-connection.js';
import { createAccountHandlers, type AccountHandlers, type AccountServiceDeps } from './account-service.js';
import type { SettingsStore } from './settings-store.js';

export interface ServiceDeps {
  engine: Engine;
  targets: TargetStore;
  folders: FolderStore;
  info: AppInfo;
  /** Where local files may come from; read on every add so settings changes apply at once. */
  paths: () => PathPolicy;
  pick?: (folders: boolean) => Promise<string[]>;
  openExternal?: (url: string) => Promise<void>;
  /** Desktop: opens a sign-in page (built by the service from the account's address) in the system browser. */
  openSignIn?: (url: string) => Promise<void>;
  testTarget?: (t: TargetConfig) => Promise<ConnectionCheck>;
  watching?: FolderWatching;
  /** The diagnostics bundle (app/runtime/diagnostics.ts). */
  diagnostics?: (connectionTests: boolean) => Promise<{ text: string; stateFolder: string }>;
  /** The remotes of $FERRY_HOME, managed from the window (accounts:*). */
  accounts?: Pick<AccountServiceDeps, 'accounts' | 'http' | 'clock'>;
  /** Where `settings:set` keeps what the user chose, for the next start (app/service/settings-store.ts). */
  settingsStore?: Pick<SettingsStore, 'save'>;
}

export type EventListener = <E extends EventChannel>(event: E, payload: Events[E]) => void;

export interface FerryService {
  dispatch(channel: unknown, payload: unknown): Promise<Result<unknown>>;
  /** Sends a full `transfers:changed` at once, then deltas. Returns an unsubscribe function. */
  subscribe(listener: EventListener): () => void;
}

export function summarize(t: TargetConfig): TargetSummary {
  return {
    id: t.id, name: t.name, provider: t.provider, url: t.url, remoteRoot: t.remoteRoot,
    conflict: t.conflict, options: { ...t.options }, sandbox: t.sandbox === true, hasToken: t.token !== '',
  };
}

export function createFerryService(d: ServiceDeps): FerryService {
  const listeners = new Set<{ l: EventListener; tracker: DeltaTracker }>();
  d.engine.onChange((views) => {
    for (const s of listeners) {
      const delta = s.tracker.next(views);
      if (delta) s.l('transfers:changed', delta);
    }
  });
  const broadcast = <E extends EventChannel>(e: E, p: Events[E]) => { for (const s of listeners) s.l(e, p); };
  const targetsChanged = async () => broadcast('targets:changed', (await d.targets.list()).map(summarize));
  const foldersChanged = async () => broadcast('folders:changed', await d.folders.list());
  const settings = () => ({ bwlimit: d.engine.bandwidth(), filesAtOnce: d.engine.maxConcurrent() });
  // Accounts are targets too (remote-<name>): a change to one changes the target list.
  const acc = d.accounts ? createAccountHandlers({
    ...d.accounts, engine: d.engine, ...(d.openSignIn ? { openExternal: d.openSignIn } : {}),
    changed: (list) => { broadcast('accounts:changed', list); void targetsChanged(); },
  }) : undefined;
  // A transfer that starts waiting for sign-in means an account was marked "needs sign-in" (maybe
  // by another process): look again, at most once a second.
  let looking = false;
  if (acc) {
    d.engine.onChange(() => {
      if (looking) return;
      looking = true;
      setTimeout(() => { looking = false; void acc.refresh().catch(() => undefined); }, 1_000).unref?.();
    });
  }
  const noAccounts = async (): Promise<never> => { throw new FerryError('bad-input', 'accounts are not available in this shell'); };
  const accountHandlers: AccountHandlers = acc ?? {
    'accounts:list': async () => [], 'accounts:add': noAccounts, 'accounts:signIn': noAccounts, 'accounts:cancelSignIn': noAccounts,
    'accounts:update': noAccounts, 'accounts:test': noAccounts, 'accounts:remove': noAccounts,
  };
  const mustTarget = async (id: string) => {
    const t = await d.targets.get(id);
    if (!t) throw new FerryError('bad-input', `no target with id ${id}; it may have been removed`);
    return t;
  };

  const handlers: { [C in CommandChannel]: (req: Req<C>) => Promise<Res<C>> } = {
    'app:info': async () => d.info,
    'app:openExternal': async ({ url }) => {
      if (!d.openExternal) throw new FerryError('bad-input', `opening ${url} is not possible here`);
      await d.openExternal(url);
      return null;
    },
    'app:diagnostics': async ({ connectionTests }) => {
      if (!d.diagnostics) throw new FerryError('bad-input', 'diagnostics are not available in this shell');
      return d.diagnostics(connectionTests);
    },
    'dialog:pick': async ({ folders }) => {
      if (!d.pick) throw new FerryError('bad-input', 'no native file dialog in this shell; use the browser file picker');
      return d.pick(folders);
    },
    'transfers:list': async () => d.engine.list(),
    'transfers:add': async (req) => {
      const target = await mustTarget(req.targetId);
      if (req.remoteDir !== undefined) checkRemotePath(req.remoteDir, 'remote folder');
      const { items, skipped } = await expandPaths(req.paths, req.remoteDir ?? target.remoteRoot, d.paths());
      if (items.length === 0) {
        const why = skipped.length > 0 ? ` (left out: ${skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join('; ')}${skipped.length > 3 ? '; …' : ''})` : '';
        throw new FerryError('bad-input', `nothing to upload: ${req.paths.join(', ')} holds no files${why}`);
      }
      const queued = await addItems(d.engine, target.id, items);
      return { added: queued.added, skipped: [...skipped, ...queued.skipped] };
    },
    'transfers:pause': async ({ id }) => { await d.engine.pause(id); return null; },
    'transfers:resume': async ({ id }) => { await d.engine.resume(id); return null; },
    'transfers:cancel': async ({ id }) => { await d.engine.cancel(id); return null; },
    'transfers:retry': async ({ id }) => { await d.engine.retry(id); return null; },
    'transfers:pauseAll': async () => { await d.engine.pauseAll(); return null; },
    'transfers:resumeAll': async () => { await d.engine.resumeAll(); return null; },
    'transfers:clearFinished': async () => { await d.engine.clearFinished(); return null; },
    'targets:list': async () => (await d.targets.list()).map(summarize),
    'targets:add': async (req) => {
      checkRemotePath(req.remoteRoot, 'remote root');
      const t: TargetConfig = { id: `target-${randomUUID()}`, ...req, sandbox: false };
      await d.targets.put(t);
      await targetsChanged();
      return summarize(t);
    },
    'targets:test': async ({ id }) => (d.testTarget ?? testConnection)(await mustTarget(id)),
    'targets:remove': async ({ id }) => {
      const t = await mustTarget(id);
      if (t.sandbox) throw new FerryError('bad-input', `${t.name} is the built-in sandbox and cannot be removed`);
      const busy = d.engine.list().filter((v) => v.targetId === id && !isSettled(v.state));
      if (busy.length > 0) throw new FerryError('bad-input', `${t.name} still has ${busy.length} transfer(s) in the queue; cancel them first`);
      await d.targets.remove(id);
      await targetsChanged();
      return null;
    },
    'accounts:list': (r) => accountHandlers['accounts:list'](r),
    'accounts:add': (r) => accountHandlers['accounts:add'](r),
    'accounts:signIn': (r) => accountHandlers['accounts:signIn'](r),
    'accounts:cancelSignIn': (r) => accountHandlers['accounts:cancelSignIn'](r),
    'accounts:update': (r) => accountHandlers['accounts:update'](r),
    'accounts:test': (r) => accountHandlers['accounts:test'](r),
    'accounts:remove': (r) => accountHandlers['accounts:remove'](r),
    'folders:list': async () => d.folders.list(),
    'folders:add': async (req) => {
      await mustTarget(req.targetId);
      checkRemotePath(req.remoteDir, 'remote folder');
      const localPath = await checkPath(req.localPath, d.paths());
      const f = { id: `folder-${randomUUID()}`, ...req, localPath };
      await d.folders.put(f);
      await d.watching?.watch(f);
      await foldersChanged();
      return f;
    },
    'folders:remove': async ({ id }) => {
      await d.watching?.unwatch(id);
      await d.folders.remove(id);
      await foldersChanged();
      return null;
    },
    'settings:get': async () => settings(),
    // Applies at once to every transfer, those on the wire too. Saved first (startServices loads
    // it at the next start): a change that cannot be kept (disk full) is refused, not half made.
    'settings:set': async (req) => {
      await d.settingsStore?.save(req);
      if (req.bwlimit !== undefined) d.engine.setBandwidth(req.bwlimit);
      if (req.filesAtOnce !== undefined) d.engine.setMaxConcurrent(req.filesAtOnce);
      return settings();
    },
  };

  return {
    async dispatch(channel, payload) {
      const v = validateCommand(channel, payload);
      if (!v.ok) return v;
      try {
        const handler = handlers[v.channel] as (r: unknown) => Promise<unknown>;
        return { ok: true, value: await handler(v.req) };
      } catch (e) {
        return { ok: false, error: toErrorInfo(e) };
      }
    },
    subscribe(l) {
      const s = { l, tracker: new DeltaTracker() };
      listeners.add(s);
      const first = s.tracker.next(d.engine.list());
      if (first) l('transfers:changed', first);
      return () => listeners.delete(s);
    },
  };
}
