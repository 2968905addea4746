// The chunk loop of one transfer. It owns all I/O of an upload (file reads, provider calls,
// journal writes) and reports through `emit`, which feeds the engine's pure `transition`.
// Chunks of ordered protocols go one after another, their size grown from the path's timing
// (chunk-sizer); independent parts (Box, Synapse) go `pace.partsInFlight` at once (SendWindow).
// With an off-thread digester the next chunk is read and hashed while others are on the wire
// (ChunkLoader): memory is then one chunk buffer more than chunks in flight.
// Digests go through `deps.digester` (the app's runs on a worker thread), else in-thread hashers.
import { FerryError, toErrorInfo } from '../common/errors.js';
import { heldBytes, nextChunk } from './chunk-plan.js';
import { classify } from './classify.js';
import { ChunkLoader } from './chunk-loader.js';
import { LONE_STREAM_SLICE, STREAM_SLICE } from './chunk-stream.js';
import { nextChunkSize } from './chunk-sizer.js';
import { DigestPipeline } from './digest-pipeline.js';
import { localFileProblem, refuseNewLink } from './file-identity.js';
import { inlineDigester, type Digester } from './digester.js';
import type { ChunkDigestTable } from './hashing.js';
import { sameEndpoint } from './session-endpoint.js';
import { createRecorded } from './session-intent.js';
import { journalWriteError, sameFingerprint, type JournalRecord } from './journal.js';
import type { RunnerDeps } from './runner-deps.js';
import type { OpenFile } from './ports.js';
import { inFlightFor, STEADY, streams } from './pace.js';
import type { ServerState, Session } from './provider.js';
import { decide, freshAttempts, onProgress, record, type AttemptState } from './retry-policy.js';
import { digestBeforeSession, digestReported, journalable } from './pre-digest.js';
import { sampleOf, sendLoaded, SendWindow, stateAfter, withFlights, type Landed } from './send-window.js';
import { advance, checkUnchanged, failure, jobFor, verifyRemote, waitReason, wholeFileAlgorithms, type RunOutcome } from './upload-job.js';

export type { RunnerDeps } from './runner-deps.js';
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
  /** Body bytes sent so far of each chunk on the wire, for progress. */
  private readonly flying = new Map<number, number>();
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
    // Before the pipeline: it feeds only the digests preparing left (else Synapse's MD5 ran twice).
    await this.prepare();
    const hashes = new DigestPipeline(wholeFileAlgorithms(d.provider, rec), digester, this.file, () => this.known);
    // Nothing to hash (UCloud): one plain buffer, no read-ahead (alone no clear gain, docs/benchmarks.md).
    const hashing = (): boolean => hashes.feeding || (d.provider.chunkDigests?.length ?? 0) > 0;
    const inFlight = inFlightFor(d.provider, d.pace ?? STEADY);
    const loader = new ChunkLoader({
      file: this.file,
      pipeline: hashes,
      allocate: (n) => (hashing() ? digester.allocate(n) : Buffer.allocUnsafe(n)),
      readAhead: () => digester.offThread && hashing(),
      perChunk: () => d.provider.chunkDigests ?? [],
      inFlight,
      // A chunk sent alone streams in larger slices (fewer socket writes); parts in flight keep small ones.
      sliceBytes: inFlight === 1 ? LONE_STREAM_SLICE : STREAM_SLICE,
      open: (a) => digester.open(a),
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
    const window = new SendWindow(inFlightFor(d.provider, d.pace ?? STEADY));
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
          session = await createRecorded(rec, d, job, this.signal, () => this.persist(true));
          rec.session = { ref: session.ref, chunkSize: session.chunkSize, createdAt: d.clock.now(), ...(d.endpoint !== undefined ? { endpoint: d.endpoint } : {}), ...(session.expiresAt !== undefined ? { expiresAt: session.expiresAt } : {}) };
          rec.offset = 0;
          await this.persist(true); // the session reference is on disk before the first byte is sent
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
        const next = window.full ? undefined : nextChunk(withFlights(st, window.indexes()), rec.fingerprint.size, cs, emptySent || window.size > 0);
        if (!next && window.size > 0) {
          // Nothing more to start now: take the first answer (a part counts once the server confirmed it).
          const got = await window.next();
          // A part left the wire: room for the next one while it is confirmed.
          if (!got) continue;
          if (!got.ok) throw got.error;
          if (got.plan.length === 0) emptySent = true;
          st = await this.landed(got, st, session);
          continue;
        }
        if (!next) {
          d.emit({ type: 'finishing' });
          await loader.settle();
          // Parts in flight may all have left before a change was seen: never commit a changed file.
          await checkUnchanged(this.file, rec);
          const digests = { ...(rec.digests ?? {}), ...(await hashes.digests(rec.fingerprint.size)) };
          const completed = st.kind === 'complete' ? st.result : undefined;
          const remote = await d.provider.finish(session, completed ? { ...job, completed } : job, digests, this.signal);
          return verifyRemote(rec.localPath, remote, await digestReported(this.file, rec, remote.hash?.algorithm, digests, { hashers: d.hashers, clock: d.clock, checkAborted: () => this.checkAborted() }));
        }
        // Chunks stream from the file (no chunk buffer) when the provider can send them so.
        const streamed = next.length > 0 && streams(d.provider, session);
        const chunk = streamed ? await loader.stream(next) : await loader.load(next);
        await checkUnchanged(this.file, rec).catch((e: unknown) => { loader.release(chunk); throw e; });
        // The chunk that follows if the server takes this one whole, read and hashed while this one is on the wire.
        loader.readAhead(nextChunk(advance(withFlights(st, window.indexes()), next.index, next.offset + next.length), rec.fingerprint.size, cs, emptySent || next.length === 0), streamed);
        await this.waitThrottle();
        window.start(next.index, sendLoaded({ provider: d.provider, clock: d.clock, session, job, chunk, signal: this.signal, release: () => loader.release(chunk),
          sent: (b) => {
            this.flying.set(next.index, b);
            d.sent(rec.offset + [...this.flying.values()].reduce((x, y) => x + y, 0));
          },
          offWire: () => window.offWire(next.index),
          settled: () => this.flying.delete(next.index) }));
      } catch (e) {
        // No send may outlive this step: its buffer would be reused. Parts the server took still count.
        for (const got of await window.drain()) if (got.ok && st?.kind === 'parts') st = advance(st, got.plan.index, 0);
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

  /** What the server holds once a chunk was confirmed: progress, the journal, and the next chunk size. */
  private async landed(got: Extract<Landed, { ok: true }>, st: ServerState, session: Session): Promise<ServerState> {
    const { rec, d } = this;
    const { plan, after } = got;
    // Chunks may move the session's expiry (tus Upload-Expires, Graph's expirationDateTime): keep the journal in step.
    if (session.expiresAt !== undefined && rec.session && rec.session.expiresAt !== session.expiresAt) rec.session.expiresAt = session.expiresAt;
    const cs = session.chunkSize;
    const now = stateAfter(st, plan, after);
    // Only streamed chunks grow: a larger held chunk would cost its size in memory (UCloud's WebSocket frames).
    if (d.pace?.adaptChunks && d.provider.ordered && rec.session && streams(d.provider, session)) {
      // Offset protocols continue from the server's offset whatever the size; the journal keeps it with the session.
      session.chunkSize = rec.session.chunkSize = nextChunkSize(d.provider.rules, cs, sampleOf(got), { ceiling: d.pace.chunkCeiling });
    }
    const nowHeld = heldBytes(now, rec.fingerprint.size, cs);
    if (nowHeld > rec.offset || now.kind === 'complete') {
      this.attempts = onProgress(this.attempts);
      rec.offset = nowHeld;
      d.sent(nowHeld, true);
      d.emit({ type: 'progress', offset: nowHeld });
      await this.persist(false);
      d.afterChunk?.(nowHeld);
    }
    return now;
  }

  /** Whole-file digests the provider needs before the session (Synapse MD5): the 'preparing' state. */
  private async prepare(): Promise<void> {
    const { rec, d } = this;
    this.known ??= rec.chunkDigests;
    const missing = (d.provider.needsBefore ?? []).filter((a) => rec.digests?.[a] === undefined);
    if (missing.length === 0) return;
    const p = d.provider;
    // Part digests in the same read when the part size is known before the session (Synapse).
    const plan = p.plannedChunkSize && p.chunkDigests?.length ? { chunkSize: p.plannedChunkSize(jobFor(rec, p.rules).file), algorithms: p.chunkDigests } : undefined;
    const got = await digestBeforeSession(this.file, rec, missing, plan, { hashers: d.hashers, clock: d.clock, emit: d.emit, checkAborted: () => this.checkAborted(), ...(this.digester ? { digester: this.digester } : {}) });
    await checkUnchanged(this.file, rec);
    rec.digests = { ...(rec.digests ?? {}), ...got.whole };
    this.known = got.chunks;
    if (journalable(got.chunks)) rec.chunkDigests = got.chunks;
    else delete rec.chunkDigests;
    await this.persist(true);
  }

  /** A file that is not the one the session was started for invalidates the session. */
  private async checkFingerprint(): Promise<void> {
    const { rec, d } = this;
    const fp = refuseNewLink(await d.files.fingerprint(this.file), rec);
    if (sameFingerprint(fp, rec.fingerprint)) return;
    if (rec.session || rec.digests) d.log.warn('file changed since the upload started; starting over with a new session', { transfer: rec.id, file: rec.localPath });
    // Best effort: the old session's partial data must never be completed with new bytes.
    if (rec.session) await d.provider.cancel({ ref: rec.session.ref, chunkSize: rec.session.chunkSize }, jobFor(rec, d.provider.rules), this.signal).catch(() => undefined);
    rec.fingerprint = fp;
    rec.digests = {};
    delete rec.chunkDigests;
    this.known = undefined;
    this.dropSession();
    await this.persist(true);
  }

  private dropSession(): void {
    delete this.rec.session;
    this.rec.offset = 0;
  }

  /** Leaves nothing half-done on the server when the local file is the problem. */
  private async abandon(e: unknown, session: Session | undefined): Promise<void> {
    if (session && localFileProblem(e)) {
      const out = await this.d.provider.cancel(session, jobFor(this.rec, this.d.provider.rules), new AbortController().signal).catch(() => undefined);
      this.d.log.info('session cancelled after a local file problem', { transfer: this.rec.id, deleted: out?.deleted ?? false });
      this.dropSession();
      await this.persist(true).catch(() => undefined);
    }
  }

  private async waitThrottle(): Promise<void> {
    if (this.d.throttle.until > this.d.clock.now()) await this.d.clock.sleep(this.d.throttle.until - this.d.clock.now(), this.signal);
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
