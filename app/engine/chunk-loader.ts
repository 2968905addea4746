// Reads chunks for the runner and gets their digests. With an off-thread digester it reads ahead:
// while chunk k is on the wire, the predicted chunk k+1 is read into the second buffer and hashed
// (its own digests and the whole-file digests) on the other thread. A chunk that differs from
// the prediction (the server kept less, a reconcile, a resend) is read and hashed afresh; the
// read-ahead's bytes already fed to the whole-file digests are skipped by the DigestPipeline.
// With parts in flight (`inFlight` > 1) each part being sent holds its buffer until the runner
// releases it, and the read-ahead uses one more.
// Memory: at most inFlight + 1 chunk buffers (inFlight without read-ahead).
import type { FerryError } from '../common/errors.js';
import type { NextChunk } from './chunk-plan.js';
import { chunkStream, digestPass, SlicePool, STREAM_SLICE } from './chunk-stream.js';
import type { DigestPipeline } from './digest-pipeline.js';
import type { Digests, DigestStream } from './digester.js';
import type { HashAlgorithm } from './hashing.js';
import type { StreamBody } from './http.js';
import type { OpenFile } from './ports.js';

export interface LoadedChunk {
  plan: NextChunk;
  /** The chunk's bytes: a view into one of the loader's buffers, valid until the next load. */
  data: Buffer;
  digests: Digests;
  /** The buffer slot holding `data`, busy until released (-1: a streamed chunk holds none). */
  slot: number;
  /** Set for a streamed chunk: `data` is empty and the bytes are read as they are sent. */
  body?: StreamBody;
  /** Gives a streamed chunk's slice buffers back (on release). */
  free?: () => void;
}

export interface ChunkLoaderOptions {
  file: Pick<OpenFile, 'read'>;
  pipeline: Pick<DigestPipeline, 'hashChunk' | 'knownDigests'>;
  allocate(bytes: number): Buffer;
  /** Whether to read ahead now (worth it only when there is hashing to move off the main thread). */
  readAhead(): boolean;
  /** The per-chunk digests the provider wants now. */
  perChunk(): readonly HashAlgorithm[];
  /** The error for a read that came back short (the file got shorter). */
  shortRead(plan: NextChunk, got: number): FerryError;
  /**
   * Chunks sent at once (default 1). With 1, loading a chunk means the one before it settled;
   * with more, the caller releases each chunk's buffer when its send settles.
   */
  inFlight?: number;
  /** A digest state for a streamed chunk's own digests (the digester's `open`). */
  open?(algorithms: readonly HashAlgorithm[]): DigestStream;
  /** Bytes a streamed chunk is read and sent in at a time (default STREAM_SLICE); four per chunk being sent. */
  sliceBytes?: number;
}

const EMPTY = Buffer.alloc(0);

/** A streamed chunk's own digests, begun: `fed` bytes from `offset` hashed into `stream` (absent when all were known). */
interface OwnDigests {
  offset: number;
  fed: number;
  algorithms: string;
  known: Digests;
  stream?: DigestStream;
}

type Ahead =
  | { kind: 'load'; plan: NextChunk; slot: number; done: Promise<LoadedChunk> }
  | { kind: 'own'; plan: NextChunk; slot: -1; done: Promise<OwnDigests> };

export class ChunkLoader {
  private readonly slots: (Buffer | undefined)[];
  /** Slots holding chunks being sent, which neither a load nor a read-ahead may touch. */
  private readonly busy = new Set<number>();
  private readonly inFlight: number;
  private ahead: Ahead | undefined;
  /** Slice buffers of streamed chunks being sent, and of the digest passes (1 MiB: see passOptions). */
  private readonly pools: { send?: SlicePool; hash?: SlicePool } = {};
  /** Read-ahead outcomes, for tests and logs. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly o: ChunkLoaderOptions) {
    this.inFlight = Math.max(1, o.inFlight ?? 1);
    this.slots = new Array<Buffer | undefined>(this.inFlight + 1).fill(undefined);
  }

  /** The chunk's send settled: its buffer may be reused. */
  release(chunk: Pick<LoadedChunk, 'slot' | 'free'>): void {
    this.busy.delete(chunk.slot);
    chunk.free?.();
  }

  /** The chunk `plan`, from the read-ahead when it predicted this chunk, otherwise read and hashed now. */
  async load(plan: NextChunk): Promise<LoadedChunk> {
    // One at a time: the chunk sent last has settled, so its buffer is free.
    if (this.inFlight === 1) this.busy.clear();
    const a = this.ahead;
    this.ahead = undefined;
    if (a?.kind === 'own') {
      this.stats.misses++;
      await this.drop(a);
    } else if (a) {
      // A failed read-ahead is not reported: the chunk is read again below and fails there, as it would have.
      const got = await a.done.catch(() => undefined);
      if (got && sameChunk(a.plan, plan)) {
        this.stats.hits++;
        this.busy.add(a.slot);
        return got;
      }
      this.stats.misses++;
    }
    const slot = this.freeSlot();
    this.busy.add(slot);
    try {
      return await this.readAndHash(plan, slot);
    } catch (e) {
      this.busy.delete(slot);
      throw e;
    }
  }

  /**
   * Starts reading and hashing `plan` into the spare buffer while the current chunk is sent; for
   * a chunk to be streamed, only its digests (nothing to gain when it needs none).
   */
  readAhead(plan: NextChunk | undefined, streamed = false): void {
    if (!plan || this.ahead || !this.o.readAhead()) return;
    if (streamed) {
      if (this.o.perChunk().length === 0) return;
      const done = this.ownDigests(plan);
      // Settled before anyone awaits it; the rejection is handled in stream().
      done.catch(() => undefined);
      this.ahead = { kind: 'own', plan, slot: -1, done };
      return;
    }
    const slot = this.freeSlot();
    const done = this.readAndHash(plan, slot);
    done.catch(() => undefined);
    this.ahead = { kind: 'load', plan, slot, done };
  }

  /**
   * The chunk `plan` as a body read from the file while it is sent: no chunk buffer. Its own
   * digests (a first pass over the file, done by the read-ahead when it predicted this chunk)
   * are ready before it is sent; the whole-file digests are fed as the bytes go.
   */
  async stream(plan: NextChunk): Promise<LoadedChunk> {
    const a = this.ahead;
    this.ahead = undefined;
    let own: OwnDigests | undefined;
    if (a?.kind === 'own') {
      const got = await a.done.catch(() => undefined);
      if (got && this.continues(got, a.plan, plan)) {
        this.stats.hits++;
        own = got;
      } else {
        this.stats.misses++;
        got?.stream?.close();
      }
    } else if (a) {
      this.stats.misses++;
      await a.done.catch(() => undefined);
    }
    return this.streamed(plan, own);
  }

  private async streamed(plan: NextChunk, begun?: OwnDigests): Promise<LoadedChunk> {
    const own = begun ?? (await this.ownDigests(plan));
    let digests = own.known;
    if (own.stream) {
      try {
        // The rest of a chunk longer than the read-ahead predicted (nothing when it was exact).
        if (own.fed < plan.length) await digestPass({ ...this.passOptions(plan, 'hash'), own: own.stream, from: own.fed, to: plan.length });
        digests = { ...own.known, ...(await own.stream.finish()) };
      } finally {
        own.stream.close();
      }
    }
    const { body, free } = chunkStream(this.passOptions(plan, 'send'));
    return { plan, data: EMPTY, digests, slot: -1, body, free };
  }

  /**
   * A streamed chunk's own digests, begun: a first pass over the file (done by the read-ahead when
   * it predicted this chunk), left open. Digests the preparing pass already computed (Synapse
   * part MD5s) cost no read.
   */
  private async ownDigests(plan: NextChunk): Promise<OwnDigests> {
    const perChunk = this.o.perChunk();
    const known = this.o.pipeline.knownDigests(plan.offset, plan.length, perChunk);
    const missing = perChunk.filter((a) => known[a] === undefined);
    const own: OwnDigests = { offset: plan.offset, fed: 0, algorithms: perChunk.join(), known };
    if (missing.length === 0) return own;
    own.stream = this.o.open!(missing);
    try {
      await digestPass({ ...this.passOptions(plan, 'hash'), own: own.stream, from: 0, to: plan.length });
    } catch (e) {
      own.stream.close();
      throw e;
    }
    own.fed = plan.length;
    return own;
  }

  /**
   * Whether digests begun for `predicted` serve `plan`: the same chunk, or a longer one at the
   * same offset (the chunk size grew) when none of them came from the preparing pass's table.
   */
  private continues(own: OwnDigests, predicted: NextChunk, plan: NextChunk): boolean {
    if (own.offset !== plan.offset || own.algorithms !== this.o.perChunk().join()) return false;
    if (predicted.length === plan.length) return true;
    if (plan.length < predicted.length || !own.stream || Object.keys(own.known).length > 0) return false;
    return Object.keys(this.o.pipeline.knownDigests(plan.offset, plan.length, this.o.perChunk())).length === 0;
  }

  /**
   * A digest pass reads 1 MiB at a time whatever the send slice: the bytes are hashed right after
   * (twice for Box: the part's SHA-1 and the file's) while still in cache. Measured (loopback, 1 GiB):
   * tus 1.84 CPU s/GiB with 4 MiB digest reads, 1.75 with 1 MiB, 1.97 with 512 KiB (more messages).
   */
  private passOptions(plan: NextChunk, use: 'send' | 'hash'): Parameters<typeof chunkStream>[0] {
    const { file, shortRead, pipeline } = this.o;
    const size = use === 'send' ? this.o.sliceBytes ?? STREAM_SLICE : STREAM_SLICE;
    const other = this.pools[use === 'send' ? 'hash' : 'send'];
    const pool = (this.pools[use] ??= other?.size === size ? other : new SlicePool(this.o.allocate, size));
    return { file, plan, pool, shortRead, hash: (slice, offset) => pipeline.hashChunk(slice, offset, []) };
  }

  private async drop(a: Extract<Ahead, { kind: 'own' }>): Promise<void> {
    const got = await a.done.catch(() => undefined);
    got?.stream?.close();
  }

  /** Waits for a read-ahead in flight (before finishing, closing the file or giving up). */
  async settle(): Promise<void> {
    const a = this.ahead;
    this.ahead = undefined;
    if (a?.kind === 'own') await this.drop(a);
    else if (a) await a.done.catch(() => undefined);
  }

  /** A slot no chunk being sent or read ahead uses; there is always one (inFlight + 1 slots). */
  private freeSlot(): number {
    for (let i = 0; i < this.slots.length; i++) if (!this.busy.has(i) && this.ahead?.slot !== i) return i;
    throw new Error(`chunk loader: all ${this.slots.length} buffers are in use (a chunk was not released)`);
  }

  private async readAndHash(plan: NextChunk, slot: number): Promise<LoadedChunk> {
    const buf = this.buffer(slot, plan.length);
    const n = await this.o.file.read(buf, plan.length, plan.offset);
    if (n < plan.length) throw this.o.shortRead(plan, n);
    const data = buf.subarray(0, plan.length);
    const digests = await this.o.pipeline.hashChunk(data, plan.offset, this.o.perChunk());
    return { plan, data, digests, slot };
  }

  private buffer(slot: number, length: number): Buffer {
    let b = this.slots[slot];
    if (!b || b.length < length) {
      b = this.o.allocate(Math.max(length, 1));
      this.slots[slot] = b;
    }
    return b;
  }
}

function sameChunk(a: NextChunk, b: NextChunk): boolean {
  return a.index === b.index && a.offset === b.offset && a.length === b.length && a.final === b.final;
}
