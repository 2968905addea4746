// The engine: the transfer queue behind every shell. One composition root passes every port in
// (`createEngine(deps)`); there are no module-level singletons. State changes go through the
// pure `transition`; commands run one at a time on the SerialQueue.
import { checkRemotePath } from '../common/remote-path.js';
import { FerryError, toErrorInfo } from '../common/errors.js';
import { isFinal, type TransferView } from '../common/transfer.js';
import { chooseChunkSize } from './chunk-plan.js';
import type { AddRequest, Engine, TargetConfig, TargetStore } from './engine-api.js';
import type { Digester } from './digester.js';
import type { HasherFactory } from './hashing.js';
import type { Http } from './http.js';
import { journalWriteError, sameFingerprint, type Claim, type Journal } from './journal.js';
import type { Clock, FileSource, Logger } from './ports.js';
import type { Provider, ProviderFactory } from './provider.js';
import { DEFAULT_RETRY, type RetryConfig } from './retry-policy.js';
import { SerialQueue } from './serial-queue.js';
import { newEntry, newRecord, TransferTable, type Entry } from './transfer-table.js';
import { afterRestart, transition, type TransferEvent } from './transition.js';
import { runUpload, type RunOutcome } from './upload-runner.js';
import { cancelSession } from './cancel.js';
import { refSecrets, scrubError, scrubbingLogger } from './scrub.js';

export interface EngineSettings {
  /** Files uploading at once; chunks of one file are always sequential. */
  maxConcurrent: number;
  /** Requested chunk size (clamped to each provider's rules); provider default when absent. */
  chunkSize?: number;
  retry?: Partial<RetryConfig>;
  progressWriteMs?: number;
  /** Resume journal transfers at start (desktop, host). The CLI runs only what it adds. */
  autoResume: boolean;
  /** Notify listeners at most this often. */
  notifyMs?: number;
}

export interface EngineDeps {
  journal: Journal;
  files: FileSource;
  clock: Clock;
  log: Logger;
  hashers: HasherFactory;
  /** Where chunk and whole-file digests are computed (a worker thread in the app); in-thread with `hashers` when absent. */
  digester?: Digester;
  http: Http;
  providers: (id: TargetConfig['provider']) => ProviderFactory;
  targets: TargetStore;
  settings: EngineSettings;
  random?: () => number;
  /** Test hook for the crash harness. */
  afterChunk?: (id: string, offset: number) => void;
}

const STOP = { pause: 'pause', shutdown: 'shutdown', cancel: 'cancel' } as const;

export function createEngine(deps: EngineDeps): Engine {
  const { clock, log } = deps;
  const retry: RetryConfig = { ...DEFAULT_RETRY, ...(deps.settings.retry ?? {}) };
  const random = deps.random ?? Math.random;
  const entries = new TransferTable();
  const queue = new SerialQueue();
  const listeners = new Set<(v: TransferView[]) => void>();
  const providerCache = new Map<string, Provider>();
  const throttle = { until: 0 };
  /** Account tokens, kept out of the error text transfers carry (fault row 40). */
  const secrets = new Set<string>();
  let notifyTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const provider = async (targetId: string): Promise<Provider> => {
    const cached = providerCache.get(targetId);
    if (cached) return cached;
    const t = await deps.targets.get(targetId);
    if (!t) throw new FerryError('bad-input', `target ${targetId} is not configured (was it removed?)`);
    secrets.add(t.token);
    const p = deps.providers(t.provider)({ endpoint: { url: t.url, token: t.token }, http: deps.http, clock, options: t.options });
    providerCache.set(targetId, p);
    return p;
  };

  const view = (e: Entry): TransferView => ({
    id: e.rec.id,
    name: e.rec.remotePath.split('/').pop() ?? e.rec.localPath,
    localPath: e.rec.localPath,
    targetId: e.rec.targetId,
    remotePath: e.rec.state.kind === 'done' ? e.rec.state.remotePath : e.rec.remotePath,
    provider: e.rec.provider,
    size: e.rec.fingerprint.size,
    state: e.rec.state,
    transferred: e.rec.state.kind === 'done' ? e.rec.fingerprint.size : e.transferred,
    speed: e.run ? e.meter.rate(clock.now()) : 0,
    createdAt: e.rec.createdAt,
    updatedAt: e.rec.updatedAt,
  });

  const notify = (): void => {
    if (notifyTimer || listeners.size === 0) return;
    notifyTimer = setTimeout(() => {
      notifyTimer = undefined;
      const list = engine.list();
      for (const l of listeners) l(list);
    }, deps.settings.notifyMs ?? 100);
  };

  const apply = (e: Entry, event: TransferEvent): void => {
    const ev = 'error' in event ? { ...event, error: scrubError(event.error, [...secrets, ...refSecrets(e.rec.session?.ref)]) } : event;
    const before = e.rec.state;
    e.rec.state = transition(before, ev);
    if (e.rec.state !== before) e.rec.updatedAt = clock.now();
    if (isFinal(e.rec.state) || e.rec.state.kind === 'failed') {
      const v = view(e);
      for (const w of e.waiters.splice(0)) w(v);
    }
    notify();
  };

  /** Writes the record; false when that failed (already logged and applied). */
  const save = async (e: Entry): Promise<boolean> => {
    try {
      await deps.journal.put(e.rec);
      return true;
    } catch (err) {
      // A full disk must not lose the upload: the previous record stays valid on disk.
      log.error('could not save transfer state', { transfer: e.rec.id, error: (err as Error).message });
      if (e.run) e.run.controller.abort(STOP.pause);
      apply(e, { type: 'fail', error: toErrorInfo(journalWriteError(err, e.rec.localPath)) });
      return false;
    }
  };

  const pump = (): void => {
    if (stopped) return;
    let running = entries.running.size;
    for (const e of entries.values()) {
      if (running >= deps.settings.maxConcurrent) break;
      if (e.rec.state.kind !== 'queued' || e.run) continue;
      start(e);
      running++;
    }
  };

  const start = (e: Entry): void => {
    const controller = new AbortController();
    // `done` settles when the upload has let go of the file and the network; the outcome is then
    // applied as its own command. A command that stops the run (pause, cancel) awaits only `done`,
    // never the outcome command queued behind it, so the loop cannot deadlock on itself.
    const done = (async (): Promise<RunOutcome> => {
      let claim: Claim | undefined;
      try {
        claim = await deps.journal.claim?.(e.rec.id);
        if (claim && !claim.ok) {
          return { kind: 'failed', error: { code: 'in-use', message: `${e.rec.localPath} is already being uploaded by another Ferry process (${claim.holder}) using the same state folder; one at a time` } };
        }
        const p = await provider(e.rec.targetId);
        const endpoint = (await deps.targets.get(e.rec.targetId))?.url;
        e.meter.reset();
        // What the run logs may quote a server that echoed this session's capabilities.
        const runLog = scrubbingLogger(log, () => refSecrets(e.rec.session?.ref));
        return await runUpload(e.rec, {
          provider: p, files: deps.files, journal: deps.journal, clock, log: runLog, hashers: deps.hashers, ...(deps.digester ? { digester: deps.digester } : {}), retry, random, throttle,
          progressWriteMs: deps.settings.progressWriteMs ?? 1_000, ...(endpoint !== undefined ? { endpoint } : {}),
          emit: (ev) => apply(e, ev),
          sent: (bytes) => {
            e.transferred = bytes;
            e.meter.add(clock.now(), bytes);
            notify();
          },
          afterChunk: deps.afterChunk ? (off) => deps.afterChunk!(e.rec.id, off) : undefined,
        }, controller.signal);
      } catch (err) {
        return controller.signal.aborted ? { kind: 'aborted' } : { kind: 'failed', error: toErrorInfo(err) };
      } finally {
        if (claim?.ok) await claim.release().catch(() => undefined);
      }
    })();
    e.run = { controller, done: done.then(() => undefined) };
    entries.running.add(e);
    void done.then((outcome) => queue.run(() => settle(e, controller, outcome)));
  };

  const settle = async (e: Entry, controller: AbortController, o: RunOutcome): Promise<void> => {
    if (e.run?.controller === controller) {
      e.run = undefined;
      entries.running.delete(e);
    }
    if (o.kind === 'done') {
      apply(e, { type: 'done', remotePath: o.remote.path, verified: o.verified });
      delete e.rec.session;
      log.info('transfer done', { transfer: e.rec.id, remote: o.remote.path, verified: o.verified });
      // Sync keeps its own index; its finished transfers need no history entry.
      // If 'done' cannot be written (a full disk), the record on disk still points at the finished
      // session and a relaunch would resume or re-upload it: drop it (unlinking needs no space).
      if (e.rec.origin?.startsWith('sync:') || !(await save(e))) await deps.journal.remove(e.rec.id).catch(() => undefined);
      // Nor a place in memory: a synced tree of 100,000 files must not leave 100,000 rows behind.
      if (e.rec.origin?.startsWith('sync:')) entries.delete(e);
    } else if (o.kind === 'failed') {
      apply(e, { type: 'fail', error: o.error });
      const shown = e.rec.state.kind === 'failed' ? e.rec.state.error : o.error;
      log.warn('transfer failed', { transfer: e.rec.id, code: shown.code, error: shown.message });
      // The record belongs to the process that holds the claim: writing it would clobber its progress.
      if (o.error.code !== 'in-use') await save(e);
    }
    pump();
  };

  /** Aborts the running upload of `e`, if any, and waits until it has let go of the file and the network. */
  const stop = async (e: Entry, why: string): Promise<void> => {
    const r = e.run;
    if (!r) return;
    r.controller.abort(why);
    await r.done.catch(() => undefined);
    if (e.run === r) {
      e.run = undefined;
      entries.running.delete(e);
    }
  };

  const must = (id: string): Entry => {
    const e = entries.get(id);
    if (!e) throw new FerryError('bad-input', `no transfer with id ${id}`);
    return e;
  };

  const doCancel = async (e: Entry): Promise<void> => {
    const s = e.rec.session;
    let outcome: { deleted: boolean; note?: string } = { deleted: false };
    if (s) {
      const p = await provider(e.rec.targetId).catch(() => undefined);
      outcome = p ? await cancelSession(p, e.rec, clock, retry) : { deleted: false, note: 'target no longer configured' };
    }
    const retried = e.rec.cancelPending === true;
    e.rec.cancelPending = outcome.note === 'offline';
    const ev: TransferEvent = outcome.note === undefined ? { type: 'cancel', sessionDeleted: outcome.deleted } : { type: 'cancel', sessionDeleted: outcome.deleted, note: outcome.note };
    // A retried delete updates a transfer that is already 'cancelled' (transition leaves final states alone).
    if (retried) e.rec.state = { kind: 'queued' };
    apply(e, ev);
    if (e.rec.cancelPending) await save(e);
    else {
      delete e.rec.session;
      await deps.journal.remove(e.rec.id);
    }
  };

  const engine: Engine = {
    add: (req: AddRequest) => queue.run(async () => {
      const target = await deps.targets.get(req.targetId);
      if (!target) throw new FerryError('bad-input', `target ${req.targetId} is not configured`);
      const p = await provider(req.targetId);
      const added: TransferView[] = [];
      for (const item of req.items) checkRemotePath(item.remotePath);
      for (const item of req.items) {
        const f = await deps.files.open(item.localPath);
        const fingerprint = await deps.files.fingerprint(f).finally(() => f.close());
        const same = (e: Entry): boolean => e.rec.targetId === req.targetId && e.rec.localPath === item.localPath && e.rec.remotePath === item.remotePath;
        const sameFile = entries.forLocalPath(item.localPath);
        const existing = sameFile.find((e) => same(e) && !isFinal(e.rec.state));
        // This very file (same fingerprint) already reached the same place: nothing to send again.
        // (A run killed after the upload finished but before it exited must not upload a copy.)
        const finished = sameFile.find((e) => same(e) && e.rec.state.kind === 'done' && sameFingerprint(e.rec.fingerprint, fingerprint));
        if (!existing && finished) {
          added.push(view(finished));
          continue;
        }
        if (existing) {
          // The same file to the same place: resume the journal's transfer instead of starting over.
          if (existing.rec.state.kind === 'failed' || existing.rec.state.kind === 'paused') apply(existing, existing.rec.state.kind === 'paused' ? { type: 'resume' } : { type: 'requeue' });
          added.push(view(existing));
          continue;
        }
        const now = clock.now();
        // Digests already computed for this very file (e.g. Synapse's MD5 before a name conflict)
        // are reused, so choosing another name does not mean reading the whole file again.
        const known = sameFile.find((e) => e.rec.digests && Object.keys(e.rec.digests).length > 0 && sameFingerprint(e.rec.fingerprint, fingerprint));
        const rec = newRecord({ target, item, fingerprint, now, chunkSize: chooseChunkSize(p.rules, deps.settings.chunkSize), digests: known?.rec.digests });
        const e = newEntry(rec);
        entries.add(e);
        // A folder sync's queued file is rediscovered from its sync index after a crash; its
        // record is first written when its session is created. (100,000 fsyncs saved on a first sync.)
        if (!rec.origin?.startsWith('sync:')) await save(e);
        added.push(view(e));
      }
      notify();
      pump();
      return added;
    }),

    pause: (id) => queue.run(async () => {
      const e = must(id);
      apply(e, { type: 'pause' });
      await stop(e, STOP.pause);
      await save(e);
      pump();
    }),

    resume: (id) => queue.run(async () => {
      const e = must(id);
      apply(e, { type: 'resume' });
      await save(e);
      pump();
    }),

    cancel: (id) => queue.run(async () => {
      const e = must(id);
      // A cancel whose server delete is still pending (offline) may be retried.
      if (isFinal(e.rec.state) && !e.rec.cancelPending) return;
      await stop(e, STOP.cancel);
      await doCancel(e);
      pump();
    }),

    retry: (id) => queue.run(async () => {
      const e = must(id);
      if (e.rec.state.kind !== 'failed') return;
      apply(e, { type: 'requeue' });
      await save(e);
      pump();
    }),

    pauseAll: () => queue.run(async () => {
      for (const e of entries.values()) apply(e, { type: 'pause' });
      await Promise.all([...entries.values()].map((e) => stop(e, STOP.pause)));
      for (const e of entries.values()) if (e.rec.state.kind === 'paused') await save(e);
    }),

    resumeAll: () => queue.run(async () => {
      for (const e of entries.values()) {
        if (e.rec.state.kind !== 'paused') continue;
        apply(e, { type: 'resume' });
        await save(e);
      }
      pump();
    }),

    clearFinished: () => queue.run(async () => {
      for (const e of [...entries.values()]) {
        if (!isFinal(e.rec.state) || e.rec.cancelPending) continue;
        entries.delete(e);
        await deps.journal.remove(e.rec.id);
      }
      notify();
    }),

    list: () => [...entries.values()].map(view),
    get: (id) => {
      const e = entries.get(id);
      return e && view(e);
    },

    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },

    settled: (id) => {
      const e = must(id);
      if (isFinal(e.rec.state) || e.rec.state.kind === 'failed') return Promise.resolve(view(e));
      return new Promise((resolve) => e.waiters.push(resolve));
    },

    start: () => queue.run(async () => {
      const known = new Map<string, boolean>();
      for (const rec of await deps.journal.load()) {
        // The CLI, the host and the desktop app share $FERRY_HOME; a transfer to a target this
        // process does not know (another `ferry upload`'s endpoint) is left on disk for its owner.
        if (!known.has(rec.targetId)) known.set(rec.targetId, (await deps.targets.get(rec.targetId)) !== undefined);
        if (!known.get(rec.targetId)) continue;
        rec.state = afterRestart(rec.state);
        entries.add(newEntry(rec));
      }
      for (const e of entries.values()) {
        if (e.rec.cancelPending) void engine.cancel(e.rec.id).catch(() => undefined);
      }
      if (deps.settings.autoResume) pump();
      notify();
    }),

    shutdown: () => queue.run(async () => {
      stopped = true;
      const running = [...entries.running];
      await Promise.all(running.map((e) => stop(e, STOP.shutdown)));
      for (const e of running) {
        // In flight at shutdown: back in line, resumed at the next start.
        apply(e, { type: 'requeue' });
        await save(e);
      }
      clearTimeout(notifyTimer);
      await deps.http.close?.();
    }),
  };

  return engine;
}
