// The chunk loop of one transfer. It owns all I/O of an upload (file reads, provider calls,
// journal writes) and reports through `emit`, which feeds the engine's pure `transition`.
// Chunks are sent strictly one after another. With an off-thread digester the next chunk is
// read and hashed while one is on the wire (ChunkLoader): memory is then two chunk buffers plus a
// small hashing buffer, otherwise one.
// Whole-file and per-chunk digests go through the Digester: `deps.digester` when given (the app
// passes a worker-thread one), else in-thread with `deps.hashers`.
import { FerryError, toErrorInfo } from '../common/errors.js';
import { heldBytes, nextChunk } from './chunk-plan.js';
import { classify } from './classify.js';
import { ChunkLoader } from './chunk-loader.js';
import { DigestPipeline } from './digest-pipeline.js';
import { inlineDigester, type Digester } from './digester.js';
import type { ChunkDigestTable, HashAlgorithm, HasherFactory } from './hashing.js';
import { sameEndpoint } from './session-endpoint.js';
import { journalWriteError, sameFingerprint, type Journal, type JournalRecord } from './journal.js';
import type { Clock, FileSource, Logger, OpenFile } from './ports.js';
import type { Provider, ServerState, Session } from './provider.js';
import { decide, freshAttempts, onProgress, record, type AttemptState, type RetryConfig } from './retry-policy.js';
import type { TransferEvent } from './transition.js';
import { digestBeforeSession, digestReported, journalable } from './pre-digest.js';
import { advance, failure, jobFor, verifyRemote, waitReason, type RunOutcome } from './upload-job.js';

export interface RunnerDeps {
  provider: Provider;
  files: FileSource;
  journal: Journal;
  clock: Clock;
  log: Logger;
  hashers: HasherFactory;
  /** Where digests are computed; in-thread with `hashers` when absent. */
  digester?: Digester;
  retry: RetryConfig;
  random: () => number;
  /** Queue-wide pause after a 429: every transfer waits until then before its next request. */
  throttle: { until: number };
  /** Resolves when requests may start (an upload window is open); engine/bandwidth.ts. */
  gate?: (signal: AbortSignal) => Promise<void>;
  /** Minimum interval between progress writes for protocols the server can be asked about. */
  progressWriteMs: number;
  emit(e: TransferEvent): void;
  /** Bytes sent so far, including within the current chunk (progress bar, speed); `confirmed` when the server holds them. */
  sent(bytes: number, confirmed?: boolean): void;
  /** The target's URL now; a saved session made against another URL is dropped, never contacted. */
  endpoint?: string;
  /** Test hook: called after each chunk the server accepted (crash harness). */
  afterChunk?: (offset: number) => void;
}

export type { RunOutcome } from './upload-job.js';

const EXPIRY_MARGIN_MS = 60_000;

export async function runUpload(rec: JournalRecord, d: RunnerDeps, signal: AbortSignal): Promise<RunOutcome> {
  let file: OpenFile | undefined;
  try {
    file = await d.files.open(rec.localPath);
    return await new Run(rec, d, signal, file).go();
  } catch (e) {
    if (signal.aborted) return { kind: 'aborted' };
    return { kind: 'failed', error: toErrorInfo(e) };
  } finally {
    await file?.close().catch(() => undefined);
  }
}

class Run {
  private attempts: AttemptState;
  private lastWrite = 0;
  /** Chunk digests computed while preparing (in the journal too when small): the upload pass reuses them. */
  private known: ChunkDigestTable | undefined;
  private digester: Digester | undefined;

  constructor(private readonly rec: JournalRecord, private readonly d: RunnerDeps, private readonly signal: AbortSignal, private readonly file: OpenFile) {
    this.attempts = { ...freshAttempts(), newSessions: rec.newSessions ?? [] };
  }

  async go(): Promise<RunOutcome> {
    const { rec, d } = this;
    const digester = (this.digester = d.digester ?? inlineDigester(d.hashers));
    await this.checkFingerprint();
    // Before the pipeline is made: the whole-file digests it feeds are those preparing left to compute
    // (Synapse's MD5 was computed twice when the pipeline was made first).
    await this.prepare();
    const hashes = new DigestPipeline(this.hashAlgorithms(), digester, this.file, () => this.known);
    // Nothing to hash (UCloud, tus without checksums): one plain buffer and no read-ahead, as before;
    // read-ahead alone was measured as no clear gain (docs/benchmarks.md).
    const hashing = (): boolean => hashes.feeding || (d.provider.chunkDigests?.length ?? 0) > 0;
    const loader = new ChunkLoader({
      file: this.file,
      pipeline: hashes,
      allocate: (n) => (hashing() ? digester.allocate(n) : Buffer.allocUnsafe(n)),
      readAhead: () => digester.offThread && hashing(),
      perChunk: () => d.provider.chunkDigests ?? [],
      shortRead: (next, n) => new FerryError('file-short', `${rec.localPath} got shorter during the upload (expected ${rec.fingerprint.size} bytes); nothing was committed`, { file: rec.localPath, offset: next.offset + n }),
    });
    try {
      return await this.loop(hashes, loader);
    } finally {
      // The file is closed after this: no read may still be in flight.
      await loader.settle();
      hashes.close();
    }
  }

  private async loop(hashes: DigestPipeline, loader: ChunkLoader): Promise<RunOutcome> {
    const { rec, d } = this;
    if (rec.session?.expiresAt !== undefined && d.clock.now() > rec.session.expiresAt - EXPIRY_MARGIN_MS) {
      // Never send to a session the server has (or is about to have) forgotten.
      d.log.info('upload session expired; starting a new one', { transfer: rec.id });
      this.dropSession();
    }
    if (rec.session && d.endpoint !== undefined && !sameEndpoint(rec.session, d.endpoint)) {
      // The target moved (the sandbox came back on a new port): whatever listens at the old
      // address now must not receive our chunks or the session's upload token.
      d.log.warn('the saved upload session belongs to an address the target no longer has; starting a new one', { transfer: rec.id });
      this.dropSession();
    }
    const job = jobFor(this.rec, this.d.provider.rules);
    let session: Session | undefined = rec.session && { ref: rec.session.ref, chunkSize: rec.session.chunkSize, ...(rec.session.expiresAt !== undefined ? { expiresAt: rec.session.expiresAt } : {}) };
    let st: ServerState | undefined;
    let emptySent = false;

    for (;;) {
      this.checkAborted();
      try {
        if (!session) {
          session = await d.provider.create(job, this.signal);
          rec.session = { ref: session.ref, chunkSize: session.chunkSize, createdAt: d.clock.now(), ...(d.endpoint !== undefined ? { endpoint: d.endpoint } : {}), ...(session.expiresAt !== undefined ? { expiresAt: session.expiresAt } : {}) };
          rec.offset = 0;
          // The session reference is on disk before the first byte is sent.
          await this.persist(true);
          st = session.initial ?? (d.provider.ordered ? { kind: 'offset', offset: 0 } : { kind: 'parts', have: [] });
        }
        if (!st) {
          await this.waitThrottle();
          st = await d.provider.status(session, job, this.signal);
          if (st.kind === 'unknown') st = { kind: 'offset', offset: rec.offset };
        }
        const cs = session.chunkSize;
        const held = heldBytes(st, rec.fingerprint.size, cs);
        if (held !== rec.offset) rec.offset = held;
        d.sent(held, true);
        d.emit({ type: 'upload', offset: held });
        // After a digest mismatch `st` is unchanged, so the same chunk is re-read from disk and resent.
        const next = nextChunk(st, rec.fingerprint.size, cs, emptySent);
        if (!next) {
          d.emit({ type: 'finishing' });
          await loader.settle();
          const digests = { ...(rec.digests ?? {}), ...(await hashes.digests(rec.fingerprint.size)) };
          const completed = st.kind === 'complete' ? st.result : undefined;
          const remote = await d.provider.finish(session, completed ? { ...job, completed } : job, digests, this.signal);
          return verifyRemote(rec.localPath, remote, await digestReported(this.file, rec, remote.hash?.algorithm, digests, { hashers: d.hashers, clock: d.clock, checkAborted: () => this.checkAborted() }));
        }
        const { data, digests } = await loader.load(next);
        await this.checkUnchanged();
        // The chunk that follows if the server takes this one whole, read and hashed while this one is on the wire.
        loader.readAhead(nextChunk(advance(st, next.index, next.offset + next.length), rec.fingerprint.size, cs, emptySent || next.length === 0));
        await this.waitThrottle();
        const after = await d.provider.sendChunk(session, job, { index: next.index, offset: next.offset, data, final: next.final, ...(Object.keys(digests).length > 0 ? { digests } : {}) }, {
          signal: this.signal,
          onSent: (b) => d.sent(next.offset + b),
        });
        if (next.length === 0) emptySent = true;
        // Some protocols extend the session's life with each chunk (tus Upload-Expires, Graph's
        // expirationDateTime); the provider updates the Session in place and we keep the journal in step.
        if (session.expiresAt !== undefined && rec.session && rec.session.expiresAt !== session.expiresAt) rec.session.expiresAt = session.expiresAt;
        st = after ?? advance(st, next.index, next.offset + next.length);
        if (st.kind === 'unknown') st = { kind: 'offset', offset: next.offset + next.length };
        const nowHeld = heldBytes(st, rec.fingerprint.size, cs);
        if (nowHeld > rec.offset || st.kind === 'complete') {
          this.attempts = onProgress(this.attempts);
          rec.offset = nowHeld;
          d.sent(nowHeld, true);
          d.emit({ type: 'progress', offset: nowHeld });
          await this.persist(false);
          d.afterChunk?.(nowHeld);
        }
      } catch (e) {
        this.checkAborted();
        const verdict = d.provider.classify?.(e as FerryError) ?? classify(e);
        const decision = decide(verdict, this.attempts, d.clock.now(), d.retry, d.random);
        this.attempts = record(this.attempts, decision, d.clock.now());
        d.log.warn('transfer step failed', { transfer: rec.id, error: (e as Error).message, decision: decision.do });
        switch (decision.do) {
          case 'fail':
            await this.abandon(e, session);
            return { kind: 'failed', error: failure(e, decision.why) };
          case 'retry': {
            const until = d.clock.now() + decision.delayMs;
            if (decision.reason === 'throttled') d.throttle.until = Math.max(d.throttle.until, until);
            d.emit({ type: 'wait', until, reason: waitReason(e, decision.reason), error: toErrorInfo(e) });
            await d.clock.sleep(decision.delayMs, this.signal);
            st = undefined; // ask the server what it holds before sending again
            break;
          }
          case 'reconcile':
            st = undefined;
            break;
          case 'resend':
            break;
          case 'new-session':
            rec.newSessions = this.attempts.newSessions;
            await this.checkFingerprint();
            this.dropSession();
            session = undefined;
            st = undefined;
            emptySent = false;
            await this.persist(true);
            break;
        }
      }
    }
  }

  private hashAlgorithms(): HashAlgorithm[] {
    const p = this.d.provider;
    const want = [...(p.needsAtFinish ?? []), ...(p.integrity ? [p.integrity] : [])];
    return want.filter((a) => this.rec.digests?.[a] === undefined);
  }

  /** Whole-file digests the provider needs before the session (Synapse MD5): the 'preparing' state. */
  private async prepare(): Promise<void> {
    const { rec, d } = this;
    this.known ??= rec.chunkDigests;
    const missing = (d.provider.needsBefore ?? []).filter((a) => rec.digests?.[a] === undefined);
    if (missing.length === 0) return;
    const p = d.provider;
    const plan = p.plannedChunkSize && p.chunkDigests?.length ? { chunkSize: p.plannedChunkSize(jobFor(rec, p.rules).file), algorithms: p.chunkDigests } : undefined;
    const got = await digestBeforeSession(this.file, rec, missing, plan, { hashers: d.hashers, clock: d.clock, emit: d.emit, checkAborted: () => this.checkAborted(), ...(this.digester ? { digester: this.digester } : {}) });
    await this.checkUnchanged();
    rec.digests = { ...(rec.digests ?? {}), ...got.whole };
    this.known = got.chunks;
    if (journalable(got.chunks)) rec.chunkDigests = got.chunks;
    else delete rec.chunkDigests;
    await this.persist(true);
  }

  /** A file that is not the one the session was started for invalidates the session. */
  private async checkFingerprint(): Promise<void> {
    const { rec, d } = this;
    const fp = await d.files.fingerprint(this.file);
    if (sameFingerprint(fp, rec.fingerprint)) return;
    if (rec.session || rec.digests) {
      d.log.warn('file changed since the upload started; starting over with a new session', { transfer: rec.id, file: rec.localPath });
      // Best effort: the old session's partial data must never be completed with new bytes.
      await this.d.provider.cancel(this.sessionOf(), jobFor(this.rec, this.d.provider.rules), this.signal).catch(() => undefined);
    }
    rec.fingerprint = fp;
    rec.digests = {};
    delete rec.chunkDigests;
    this.known = undefined;
    this.dropSession();
    await this.persist(true);
  }

  private sessionOf(): Session {
    const s = this.rec.session!;
    return { ref: s.ref, chunkSize: s.chunkSize };
  }

  private async checkUnchanged(): Promise<void> {
    const st = await this.file.stat();
    const fp = this.rec.fingerprint;
    if (st.size !== fp.size || st.mtimeNs !== fp.mtimeNs) {
      throw new FerryError('file-changed', `${this.rec.localPath} changed during the upload (${st.size !== fp.size ? 'size' : 'modification time'} differs); stopped before committing, it will need to be uploaded again`, { file: this.rec.localPath });
    }
  }

  private dropSession(): void {
    delete this.rec.session;
    this.rec.offset = 0;
  }

  /** Leaves nothing half-done on the server when the local file is the problem. */
  private async abandon(e: unknown, session: Session | undefined): Promise<void> {
    const code = e instanceof FerryError ? e.code : undefined;
    if (session && (code === 'file-changed' || code === 'file-short' || code === 'file-unreadable')) {
      const out = await this.d.provider.cancel(session, jobFor(this.rec, this.d.provider.rules), new AbortController().signal).catch(() => undefined);
      this.d.log.info('session cancelled after a local file problem', { transfer: this.rec.id, deleted: out?.deleted ?? false });
      this.dropSession();
      await this.persist(true).catch(() => undefined);
    }
  }

  private async waitThrottle(): Promise<void> {
    const wait = this.d.throttle.until - this.d.clock.now();
    if (wait > 0) await this.d.clock.sleep(wait, this.signal);
    await this.d.gate?.(this.signal);
  }

  private async persist(now: boolean): Promise<void> {
    const t = this.d.clock.now();
    if (!now && t - this.lastWrite < this.d.progressWriteMs && this.d.provider.ordered && !this.d.provider.blindResume) return;
    this.lastWrite = t;
    this.rec.updatedAt = t;
    try {
      await this.d.journal.put(this.rec);
    } catch (e) {
      throw journalWriteError(e, this.rec.localPath);
    }
  }

  private checkAborted(): void {
    if (this.signal.aborted) throw this.signal.reason ?? new FerryError('cancelled', 'aborted');
  }
}
