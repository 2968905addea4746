// Which transfers upload now: up to `maxConcurrent` queued ones run, each as one `runUpload`;
// when a run ends, its outcome is applied as its own command on the SerialQueue and the next
// queued transfer starts.
import { toErrorInfo } from '../common/errors.js';
import type { Bandwidth } from './bandwidth.js';
import type { Claim } from './journal.js';
import type { RunnerDeps } from './runner-deps.js';
import { scrubbingLogger, refSecrets } from './scrub.js';
import type { SerialQueue } from './serial-queue.js';
import type { StateKeeper } from './state-keeper.js';
import type { TargetProviders } from './target-providers.js';
import type { Entry, TransferTable } from './transfer-table.js';
import { report } from './progress-gauge.js';
import { shownRemotePath } from './reported-path.js';
import type { Pace } from './pace.js';
import { runUpload, type RunOutcome } from './upload-runner.js';

/** What every run shares (RunnerDeps' engine-wide part), plus what the scheduler itself needs. */
export interface SchedulerDeps extends Pick<RunnerDeps, 'journal' | 'files' | 'clock' | 'log' | 'hashers' | 'digester' | 'retry' | 'random' | 'progressWriteMs'> {
  maxConcurrent: number;
  pace: Pace;
  entries: TransferTable;
  queue: SerialQueue;
  providers: TargetProviders;
  keeper: StateKeeper;
  changed(): void;
  /** The shared bandwidth limit; requests wait for an open upload window. */
  bandwidth?: Bandwidth;
  afterChunk?: (id: string, offset: number) => void;
}

export class Scheduler {
  /** Queue-wide pause after a 429: every transfer waits until then before its next request. */
  private readonly throttle = { until: 0 };
  private stopped = false;

  constructor(private readonly d: SchedulerDeps) {
    this.max = d.maxConcurrent;
  }

  /** Until when every transfer holds back after a 429 (a known wait for the ETA). */
  throttledUntil(): number {
    return this.throttle.until;
  }

  private max: number;

  get maxConcurrent(): number {
    return this.max;
  }

  /** A new number of files at once: more start now; running ones are never stopped for fewer. */
  setMaxConcurrent(n: number): void {
    this.max = n;
    this.pump();
  }

  /** Starts queued transfers while there is room. */
  pump(): void {
    if (this.stopped) return;
    let running = this.d.entries.running.size;
    for (const e of this.d.entries.values()) {
      if (running >= this.max) break;
      if (e.rec.state.kind !== 'queued' || e.run) continue;
      this.start(e);
      running++;
    }
  }

  /** No transfer starts after this (shutdown). */
  halt(): void {
    this.stopped = true;
  }

  /** Aborts the running upload of `e`, if any, and waits until it has let go of the file and the network. */
  async stop(e: Entry, why: string): Promise<void> {
    const r = e.run;
    if (!r) return;
    r.controller.abort(why);
    await r.done.catch(() => undefined);
    if (e.run === r) {
      e.run = undefined;
      this.d.entries.running.delete(e);
    }
  }

  private start(e: Entry): void {
    const { d } = this;
    const controller = new AbortController();
    // `done` settles when the upload has let go of the file and the network; the outcome is then
    // applied as its own command. A command that stops the run (pause, cancel) awaits only `done`,
    // never the outcome command queued behind it, so the loop cannot deadlock on itself.
    const done = (async (): Promise<RunOutcome> => {
      let claim: Claim | undefined;
      try {
        claim = await d.journal.claim?.(e.rec.id);
        if (claim && !claim.ok) {
          return { kind: 'failed', error: { code: 'in-use', message: `${e.rec.localPath} is already being uploaded by another Ferry process (${claim.holder}) using the same state folder; one at a time` } };
        }
        const p = await d.providers.get(e.rec.targetId);
        const endpoint = await d.providers.url(e.rec.targetId);
        e.meter.reset();
        // What the run logs may quote a server that echoed this session's capabilities.
        const runLog = scrubbingLogger(d.log, () => refSecrets(e.rec.session?.ref));
        return await runUpload(e.rec, {
          provider: p, files: d.files, journal: d.journal, clock: d.clock, log: runLog, hashers: d.hashers, ...(d.digester ? { digester: d.digester } : {}),
          retry: d.retry, random: d.random, throttle: this.throttle, progressWriteMs: d.progressWriteMs, pace: d.pace, ...(endpoint !== undefined ? { endpoint } : {}),
          ...(d.bandwidth ? { gate: (s: AbortSignal) => d.bandwidth!.open(s) } : {}),
          emit: (ev) => d.keeper.apply(e, ev),
          sent: (bytes, confirmed) => {
            report(e, bytes, confirmed === true);
            e.meter.add(d.clock.now(), e.transferred);
            d.changed();
          },
          afterChunk: d.afterChunk ? (off) => d.afterChunk!(e.rec.id, off) : undefined,
        }, controller.signal);
      } catch (err) {
        return controller.signal.aborted ? { kind: 'aborted' } : { kind: 'failed', error: toErrorInfo(err) };
      } finally {
        if (claim?.ok) await claim.release().catch(() => undefined);
      }
    })();
    e.run = { controller, done: done.then(() => undefined) };
    d.entries.running.add(e);
    void done.then((outcome) => d.queue.run(() => this.settle(e, controller, outcome)));
  }

  private async settle(e: Entry, controller: AbortController, o: RunOutcome): Promise<void> {
    const { d } = this;
    if (e.run?.controller === controller) {
      e.run = undefined;
      d.entries.running.delete(e);
    }
    if (o.kind === 'done') {
      const remotePath = shownRemotePath(e.rec.remotePath, o.remote.path, d.log, e.rec.id);
      // Only a real version number is shown to the user; anything else from a server is dropped.
      const version = Number.isSafeInteger(o.remote.version) && o.remote.version! > 0 ? o.remote.version : undefined;
      d.keeper.apply(e, { type: 'done', remotePath, verified: o.verified, ...(version === undefined ? {} : { version }) });
      delete e.rec.session;
      d.log.info('transfer done', { transfer: e.rec.id, remote: remotePath, verified: o.verified, ...(version === undefined ? {} : { version }) });
      // Sync keeps its own index; its finished transfers need no history entry.
      // If 'done' cannot be written (a full disk), the record on disk still points at the finished
      // session and a relaunch would resume or re-upload it: drop it (unlinking needs no space).
      const sync = e.rec.origin?.startsWith('sync:') === true;
      if (sync || !(await d.keeper.save(e))) await d.journal.remove(e.rec.id).catch(() => undefined);
      // Nor a place in memory: a synced tree of 100,000 files must not leave 100,000 rows behind.
      if (sync) d.entries.delete(e);
    } else if (o.kind === 'failed') {
      d.keeper.apply(e, { type: 'fail', error: o.error });
      const shown = e.rec.state.kind === 'failed' ? e.rec.state.error : o.error;
      d.log.warn('transfer failed', { transfer: e.rec.id, code: shown.code, error: shown.message });
      // The record belongs to the process that holds the claim: writing it would clobber its progress.
      if (o.error.code !== 'in-use') await d.keeper.save(e);
    }
    this.pump();
  }
}
