// The engine: the transfer queue behind every shell, and its commands. One composition root
// passes every port in (`createEngine(deps)`, ports in ./ports.ts); there are no module-level
// singletons. State changes go through the StateKeeper (the pure `transition`); uploads are
// started by the Scheduler; commands run one at a time on the SerialQueue.
import { FerryError } from '../common/errors.js';
import { checkRemotePath } from '../common/remote-path.js';
import { isDeletePending, isFinal, isSettled, type TransferView } from '../common/transfer.js';
import { parseBwLimit, type BwTimetable } from '../common/bwlimit-schedule.js';
import { systemLocalWeek, type LocalWeek } from '../common/local-week.js';
import { Bandwidth, pacedHttp } from './bandwidth.js';
import { cancelSession } from './cancel.js';
import { chooseChunkSize } from './chunk-plan.js';
import type { AddRequest, Engine, TargetConfig } from './engine-api.js';
import { sameFingerprint, upgradeRecord } from './journal.js';
import type { BandwidthShare, Clock, Digester, FileSource, HasherFactory, Http, Journal, Logger, ProviderFactory, TargetStore } from './ports.js';
import { paceFrom } from './pace.js';
import { DEFAULT_RETRY, type RetryConfig } from './retry-policy.js';
import { Scheduler } from './scheduler.js';
import { SerialQueue } from './serial-queue.js';
import { STOP, StateKeeper } from './state-keeper.js';
import { TargetProviders } from './target-providers.js';
import { newEntry, newRecord, TransferTable, type Entry } from './transfer-table.js';
import { afterRestart } from './transition.js';
import { ChangeNotifier, viewOf } from './transfer-view.js';

export interface EngineSettings {
  /** Files uploading at once; chunks of one file are always sequential. */
  maxConcurrent: number;
  /** Requested chunk size (clamped to each provider's rules); when absent the provider default, grown from the path's timing. */
  chunkSize?: number;
  /** Parts of one file sent at once for providers whose parts are independent (Box, Synapse); default 2 (4 when parts stream from the file), 1 forces one at a time. */
  partsInFlight?: number;
  /** Largest chunk size the engine grows to on its own, in bytes (default 256 MiB). */
  chunkCeiling?: number;
  retry?: Partial<RetryConfig>;
  progressWriteMs?: number;
  /** Resume journal transfers at start (desktop, host). The CLI runs only what it adds. */
  autoResume: boolean;
  /** Notify listeners at most this often. */
  notifyMs?: number;
  /** Bandwidth limit for all transfers together (parsed `--bwlimit`); unlimited when absent. */
  bwlimit?: BwTimetable;
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
  /** The Http for one target's provider (an account's, which keeps its token fresh); `http` when absent or undefined. */
  httpFor?: (t: TargetConfig) => Http | undefined;
  providers: (id: TargetConfig['provider']) => ProviderFactory;
  targets: TargetStore;
  settings: EngineSettings;
  random?: () => number;
  /** Test hook for the crash harness. */
  afterChunk?: (id: string, offset: number) => void;
  /** Local time for the bandwidth timetable; the process's time zone when absent (tests fix it). */
  localWeek?: LocalWeek;
  /** The other Ferry processes the limit is shared with (app/node/pace-share.ts); none when absent. */
  bandwidthShare?: BandwidthShare;
}

export function createEngine(deps: EngineDeps): Engine {
  const { clock } = deps;
  const retry: RetryConfig = { ...DEFAULT_RETRY, ...(deps.settings.retry ?? {}) };
  const entries = new TransferTable();
  const queue = new SerialQueue();
  const bandwidth = new Bandwidth(clock, deps.settings.bwlimit, deps.localWeek ?? systemLocalWeek, () => notify(), deps.bandwidthShare);
  // `scheduler` is read when a view is made, after it exists.
  const view = (e: Entry): TransferView => viewOf(e, clock.now(), { throttledUntil: scheduler.throttledUntil(), windowUntil: bandwidth.pausedUntil() });
  const notifier = new ChangeNotifier(() => engine.list(), deps.settings.notifyMs ?? 100);
  const notify = (): void => notifier.notify();
  // A signed-in account's Http (httpFor) is paced too: the limit is for every transfer.
  const httpFor = deps.httpFor;
  const providers = new TargetProviders({
    ...deps, http: pacedHttp(deps.http, bandwidth),
    ...(httpFor ? { httpFor: (t: TargetConfig) => { const h = httpFor(t); return h && pacedHttp(h, bandwidth); } } : {}),
  });
  const keeper = new StateKeeper({ journal: deps.journal, clock, log: deps.log, secrets: providers.secrets, view, changed: notify });
  const scheduler = new Scheduler({
    journal: deps.journal, files: deps.files, clock, log: deps.log, hashers: deps.hashers, ...(deps.digester ? { digester: deps.digester } : {}),
    retry, random: deps.random ?? Math.random, maxConcurrent: deps.settings.maxConcurrent, progressWriteMs: deps.settings.progressWriteMs ?? 1_000, pace: paceFrom(deps.settings),
    entries, queue, providers, keeper, changed: notify, bandwidth, ...(deps.afterChunk ? { afterChunk: deps.afterChunk } : {}),
  });
  const apply = keeper.apply.bind(keeper);
  const save = (e: Entry): Promise<boolean> => keeper.save(e);
  const pump = (): void => scheduler.pump();

  const must = (id: string): Entry => {
    const e = entries.get(id);
    if (!e) throw new FerryError('bad-input', `no transfer with id ${id}`);
    return e;
  };

  const doCancel = async (e: Entry): Promise<void> => {
    const s = e.rec.session;
    let outcome: { deleted: boolean; note?: string } = { deleted: false };
    if (s) {
      const p = await providers.get(e.rec.targetId).catch(() => undefined);
      outcome = p ? await cancelSession(p, e.rec, clock, retry) : { deleted: false, note: 'target no longer configured' };
    }
    // Unreachable (offline): the delete is owed, kept in the state and retried at the next start.
    apply(e, { type: 'cancel', sessionDeleted: outcome.deleted, ...(outcome.note === undefined ? {} : { note: outcome.note }), deletePending: outcome.note === 'offline' });
    if (isDeletePending(e.rec.state)) await save(e);
    else {
      delete e.rec.session;
      await deps.journal.remove(e.rec.id);
    }
  };

  const engine: Engine = {
    add: (req: AddRequest) => queue.run(async () => {
      const target = await deps.targets.get(req.targetId);
      if (!target) throw new FerryError('bad-input', `target ${req.targetId} is not configured`);
      // A bad remote path is refused before anything else happens (no client made, no request).
      for (const item of req.items) checkRemotePath(item.remotePath);
      const p = await providers.get(req.targetId);
      const added: TransferView[] = [];
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
      await scheduler.stop(e, STOP.pause);
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
      if (isFinal(e.rec.state) && !isDeletePending(e.rec.state)) return;
      await scheduler.stop(e, STOP.cancel);
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
      await Promise.all([...entries.values()].map((e) => scheduler.stop(e, STOP.pause)));
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
        if (!isFinal(e.rec.state) || isDeletePending(e.rec.state)) continue;
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

    onChange: (l) => notifier.onChange(l),

    setBandwidth: (spec) => {
      bandwidth.set(parseBwLimit(spec));
      deps.log.info('bandwidth limit set', { bwlimit: bandwidth.timetable().spec });
      notify();
    },
    setMaxConcurrent: (n) => {
      if (!Number.isInteger(n) || n < 1 || n > 16) throw new FerryError('bad-input', `files at once must be a whole number from 1 to 16, not ${n}`);
      scheduler.setMaxConcurrent(n);
      deps.log.info('files at once set', { filesAtOnce: n });
      notify();
    },
    maxConcurrent: () => scheduler.maxConcurrent,
    bandwidth: () => {
      const until = bandwidth.changesAt();
      const sharers = bandwidth.sharers();
      return { spec: bandwidth.timetable().spec, rate: bandwidth.current(), ...(until !== undefined ? { until } : {}), ...(sharers > 1 ? { sharers } : {}) };
    },

    settled: (id) => {
      const e = must(id);
      if (isSettled(e.rec.state)) return Promise.resolve(view(e));
      // Answered after the command that settled it has run to its end, journal write included:
      // a CLI that exits on this answer must not leave 'uploading' on disk for a finished file.
      return new Promise((resolve) => e.waiters.push(() => void queue.run(() => resolve(view(e)))));
    },

    start: () => queue.run(async () => {
      const known = new Map<string, boolean>();
      for (const stored of await deps.journal.load()) {
        const rec = upgradeRecord(stored);
        // The CLI, the host and the desktop app share $FERRY_HOME; a transfer to a target this
        // process does not know (another `ferry upload`'s endpoint) is left on disk for its owner.
        if (!known.has(rec.targetId)) known.set(rec.targetId, (await deps.targets.get(rec.targetId)) !== undefined);
        if (!known.get(rec.targetId)) continue;
        entries.add(newEntry({ ...rec, state: afterRestart(rec.state) }));
      }
      for (const e of entries.values()) {
        if (isDeletePending(e.rec.state)) void engine.cancel(e.rec.id).catch(() => undefined);
      }
      if (deps.settings.autoResume) pump();
      notify();
    }),

    shutdown: () => queue.run(async () => {
      scheduler.halt();
      const running = [...entries.running];
      await Promise.all(running.map((e) => scheduler.stop(e, STOP.shutdown)));
      for (const e of running) {
        // In flight at shutdown: back in line, resumed at the next start.
        apply(e, { type: 'requeue' });
        await save(e);
      }
      notifier.close();
      await deps.http.close?.();
    }),
  };

  return engine;
}
