// One watched folder: a start-up scan against the sync index, then watch events through the
// aggregator and the write-finish detector into the engine's queue, and each finished upload
// recorded in the index. All work runs on one serial loop per folder (`tick`), so the index,
// the detector and the in-flight table are never touched by two things at once.
//
// Local deletions are not propagated: a file that disappears is dropped from the index and
// nothing is deleted on the target. A rename is an upload of the new path.
import { readFile, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { toErrorInfo } from '../common/errors.js';
import { fsError, scanTree } from './tree-scan.js';
import { Aggregator } from './aggregator.js';
import type { SyncFolderConfig, SyncFolderDeps } from './sync-folder-config.js';
import { sha256File } from './hash-file.js';
import { DEFAULT_HASH_MAX_BYTES, mapLimit, prepareUpload } from './prepare-upload.js';
import { UploadTracker, type Upload } from './upload-tracker.js';
import { createIgnoreMatcher, IGNORE_FILE, type IgnoreMatcher } from './ignore-rules.js';
import { makeDenyCheck, type DenyCheck } from './deny-filter.js';
import { planScan } from './planner.js';
import { forgetPath, lookAt, statRegular } from './look-path.js';
import { StabilityDetector, type FileStat, DEFAULT_STABILITY } from './stability.js';
import type { SyncEvent, SyncFolderState } from './sync-events.js';
import { SyncIndex } from './sync-index.js';
import { DEFAULT_RESTART, realTimers, WatchSupervisor, type Timers } from './watch-supervisor.js';
import type { WatchEvent } from '../engine/watcher.js';

/** Files handed to the engine per add, and files hashed at once. */
const ADD_BATCH = 256;
const HASH_CONCURRENCY = 8;

interface Ready {
  path: string;
  stat: FileStat;
}

export class SyncFolder {
  private readonly timers: Timers;
  private readonly agg: Aggregator;
  private readonly stable: StabilityDetector;
  private readonly windowMs: number;
  private readonly pollMs: number;
  private index: SyncIndex | undefined;
  private matcher: IgnoreMatcher = createIgnoreMatcher();
  private denied: DenyCheck = () => undefined;
  private readonly deniedSeen = new Set<string>();
  private supervisor: WatchSupervisor | undefined;
  private realRoot = '';
  private readonly uploads: UploadTracker;
  private readonly readyFromScan: Ready[] = [];
  private tickTimer: unknown;
  private rescanTimer: unknown;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private state: SyncFolderState = 'starting';

  constructor(readonly config: SyncFolderConfig, private readonly deps: SyncFolderDeps) {
    this.timers = deps.timers ?? realTimers;
    this.agg = new Aggregator(config.aggregator);
    this.stable = new StabilityDetector(config.stability);
    this.windowMs = config.stability?.windowMs ?? DEFAULT_STABILITY.windowMs;
    this.pollMs = config.pollMs ?? Math.max(50, Math.floor(this.windowMs / 4));
    this.uploads = new UploadTracker(deps.engine, { folderId: config.id, targetId: config.targetId, remoteDir: config.remoteDir }, {
      serial: (fn) => { void this.serial(fn); },
      emit: (e) => this.emit(e),
      record: (path, entry) => this.index!.put(path, entry),
      recheck: (path) => {
        this.agg.push({ kind: 'change', path }, this.timers.now());
        this.schedule();
      },
      describe: async (path) => {
        const stat = await this.statFile(path);
        if (!stat) return undefined;
        const limit = this.config.hashMaxBytes ?? DEFAULT_HASH_MAX_BYTES;
        return { stat, hash: stat.size > limit ? '' : await sha256File(join(this.realRoot, path)).catch(() => '') };
      },
    });
  }

  get status(): SyncFolderState {
    return this.state;
  }

  /** Paths waiting to settle or in flight; for the panel and for tests. */
  pending(): { settling: number; inFlight: number; aggregating: number } {
    return { settling: this.stable.size, inFlight: this.uploads.size, aggregating: this.agg.size };
  }

  async start(): Promise<void> {
    this.realRoot = await realpath(this.config.root).catch((err: unknown) => {
      throw fsError(err, 'watched folder', this.config.root);
    });
    this.matcher = await this.loadIgnores();
    this.denied = await makeDenyCheck(this.realRoot, this.config.denied ?? [], this.config.ferryHome);
    this.index = await SyncIndex.open({ dir: this.config.stateDir, log: (l) => this.log(l) });
    this.uploads.adopt([this.realRoot, resolve(this.config.root)]);
    // The watch starts before the scan so that nothing written during the scan is missed.
    // The rules file itself is never uploaded, but the watcher must still report it so edits apply.
    const watchIgnored = (rel: string): boolean => rel !== IGNORE_FILE && rel !== `${IGNORE_FILE}/` && this.matcher.ignored(rel);
    this.supervisor = new WatchSupervisor(this.deps.watcher, this.realRoot, watchIgnored, {
      events: (batch) => this.onWatchEvents(batch),
      overflow: (dir) => { this.agg.overflow(dir, this.timers.now()); this.schedule(); },
      error: (err) => this.emit({ type: 'error', path: err.context.file ?? '.', error: toErrorInfo(err) }),
      restarting: (attempt, delayMs, err) => this.emit({ type: 'watcher-restart', attempt, delayMs, error: toErrorInfo(err) }),
      gaveUp: (err) => {
        this.setState('polling');
        this.emit({ type: 'watcher-gave-up', error: toErrorInfo(err), rescanEveryMs: this.rescanEvery() });
      },
    }, this.config.restart ?? DEFAULT_RESTART, this.timers);
    this.setState('scanning');
    await this.supervisor.start();
    await this.serial(() => this.walk(''));
    if (!this.stopped && this.state === 'scanning') this.setState('watching', this.deps.watcher.name);
    this.scheduleRescan();
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer !== undefined) this.timers.clearTimeout(this.tickTimer);
    if (this.rescanTimer !== undefined) this.timers.clearTimeout(this.rescanTimer);
    await this.supervisor?.stop();
    await this.running.catch(() => undefined);
    await this.index?.close();
    this.setState('stopped');
  }

  private async loadIgnores(): Promise<IgnoreMatcher> {
    const fileText = await readFile(join(this.realRoot, IGNORE_FILE), 'utf8').catch(() => '');
    return createIgnoreMatcher({ fileText, rules: this.config.ignore ?? [] });
  }

  private onWatchEvents(batch: WatchEvent[]): void {
    const now = this.timers.now();
    for (const ev of batch) {
      if (ev.path === IGNORE_FILE) {
        // New rules apply from the next walk on; walk everything so newly un-ignored files are seen.
        void this.loadIgnores().then((m) => { this.matcher = m; this.agg.overflow('', this.timers.now()); this.schedule(); });
        continue;
      }
      this.agg.push(ev, now);
    }
    this.schedule();
  }

  /** Arms the loop's timer for the next due moment; no timer at all when there is nothing to do (idle CPU ≈ 0). */
  private schedule(): void {
    if (this.stopped || this.tickTimer !== undefined) return;
    const now = this.timers.now();
    const dues = [this.agg.nextDue(), this.stable.size > 0 ? now + this.pollMs : undefined].filter((d): d is number => d !== undefined);
    if (this.readyFromScan.length > 0) dues.push(now);
    if (dues.length === 0) return;
    const delay = Math.max(0, Math.min(...dues) - now);
    this.tickTimer = this.timers.setTimeout(() => {
      this.tickTimer = undefined;
      void this.serial(() => this.tick()).finally(() => this.schedule());
    }, delay);
  }

  private scheduleRescan(): void {
    const every = this.rescanEvery();
    if (every <= 0 || this.stopped) return;
    this.rescanTimer = this.timers.setTimeout(() => {
      this.agg.overflow('', this.timers.now());
      this.schedule();
      this.scheduleRescan();
    }, every);
  }

  private rescanEvery(): number {
    return this.config.rescanIntervalMs ?? 60 * 60_000;
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.running.then(() => (this.stopped ? undefined : fn())).catch((err: unknown) => {
      this.log(`sync ${this.config.root}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    });
    this.running = next;
    return next;
  }

  private async tick(): Promise<void> {
    const now = this.timers.now();
    const batch = this.agg.take(now);
    if (batch) {
      for (const dir of batch.dirs) await this.walk(dir);
      for (const path of batch.paths) await this.look(path);
    }
    // Re-stat what is settling, then release what has been still for the window.
    for (const path of [...this.stable.paths()]) {
      const st = await this.statFile(path);
      if (st) this.stable.observe(path, st, this.timers.now());
      else this.stable.forget(path);
    }
    // Keyed by path: a file both released and found by a walk must be queued once.
    const ready = new Map<string, Ready>();
    for (const r of this.readyFromScan.splice(0)) ready.set(r.path, r);
    for (const r of this.stable.release(this.timers.now())) ready.set(r.path, { path: r.path, stat: r.stat });
    if (ready.size > 0) await this.enqueue([...ready.values()]);
  }

  /** lstat a settling path; undefined when it is gone or no longer a regular file. */
  private statFile(path: string): Promise<FileStat | undefined> {
    return statRegular(this.realRoot, path);
  }

  /** One path a watch event named: a file to watch settle, a folder to walk, or something gone. */
  private async look(path: string): Promise<void> {
    const l = await lookAt(this.realRoot, path, { ignored: (r) => this.matcher.ignored(r), denied: this.denied, entry: (p) => this.index!.get(p) });
    if (l.kind === 'gone') return this.gone(path);
    if (l.kind === 'walk') return this.walk(path);
    if (l.kind === 'settle') return this.stable.observe(path, l.stat, this.timers.now());
    if (l.kind === 'same' || (l.kind === 'report' && l.forget)) this.stable.forget(path);
    if (l.kind === 'report') this.emit(l.event);
    // Reported once per path: Ferry's own log, inside a watched folder, changes all the time.
    if (l.kind === 'denied' && !this.deniedSeen.has(path)) this.emit({ type: 'skipped', path, reason: l.reason });
    if (l.kind === 'denied') this.deniedSeen.add(path);
  }

  /** A path disappeared: stop waiting for it and forget it (and anything under it) in the index. */
  private gone(path: string): void {
    forgetPath(path, this.stable, this.index!);
  }

  /**
   * Walks `dir` and compares it with the index. A file whose mtime is older than the settle
   * window is taken as finished at once (a rename or copy that preserved times, or a change made
   * while Ferry was off); a fresher one goes through the detector.
   */
  private async walk(dir: string): Promise<void> {
    const t0 = this.timers.now();
    const scanned = new Map<string, FileStat>();
    const unreadable: string[] = [];
    const totals = await scanTree(this.realRoot, dir, {
      file: (rel, size, mtimeMs) => { scanned.set(rel, { size, mtimeMs }); },
      error: (rel, err) => {
        unreadable.push(rel);
        this.emit({ type: 'error', path: rel || '.', error: toErrorInfo(err) });
      },
      skipped: (rel, why) => this.emit({ type: 'skipped', path: rel, reason: why }),
    }, { ignored: (rel) => this.matcher.ignored(rel), denied: this.denied });
    const index = this.index!;
    const plan = planScan(scanned, index.entries, dir, unreadable);
    for (const p of plan.gone) index.delete(p);
    const now = this.timers.now();
    for (const c of plan.candidates) {
      if (this.uploads.busy(c.path)) {
        continue;
      } else if (now - c.stat.mtimeMs >= this.windowMs && !this.stable.has(c.path)) {
        this.readyFromScan.push({ path: c.path, stat: c.stat });
      } else {
        this.stable.observe(c.path, c.stat, now);
      }
    }
    this.emit({ type: 'scanned', dir, files: totals.files, candidates: plan.candidates.length, unchanged: plan.unchanged, ms: this.timers.now() - t0 });
  }

  /**
   * Hashes what is ready (a few files at a time), records touches, and hands the rest to the
   * engine in batches, so 100,000 files at a first start neither wait on one read at a time
   * nor arrive as one giant add.
   */
  private async enqueue(ready: Ready[]): Promise<void> {
    const index = this.index!;
    const fresh: Ready[] = [];
    for (const r of ready) if (!this.uploads.busy(r.path)) fresh.push(r);
    for (let i = 0; i < fresh.length && !this.stopped; i += ADD_BATCH) {
      const group = fresh.slice(i, i + ADD_BATCH);
      const prepared = await mapLimit(group, HASH_CONCURRENCY, (r) => prepareUpload(this.realRoot, r.path, r.stat, index.get(r.path), this.config.hashMaxBytes));
      const uploads: Upload[] = [];
      for (const p of prepared) {
        if (p.kind === 'upload') uploads.push(p);
        else if (p.kind === 'unchanged') {
          index.put(p.path, p.entry);
          this.emit({ type: 'unchanged', path: p.path });
        } else if (p.kind === 'unsettled') this.stable.observe(p.path, p.stat, this.timers.now());
        else if (p.kind === 'gone') this.gone(p.path);
        else if (p.kind === 'failed') this.emit({ type: 'failed', path: p.path, error: p.error });
      }
      if (uploads.length > 0 && !this.stopped) await this.uploads.add(this.realRoot, uploads);
    }
  }

  private setState(state: SyncFolderState, watcher?: string): void {
    this.state = state;
    this.emit(watcher ? { type: 'state', state, watcher } : { type: 'state', state });
  }

  private emit(e: SyncEvent): void {
    this.deps.onEvent?.(e);
  }

  private log(line: string): void {
    (this.deps.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }
}

export { folderIdFor, type SyncFolderConfig, type SyncFolderDeps } from './sync-folder-config.js';
