// Reads chunks for the runner and gets their digests. With an off-thread digester it reads ahead:
// while chunk k is on the wire, the predicted chunk k+1 is read into the second buffer and hashed
// (its own digests and the whole-file digests) on the other thread. A chunk that differs from
// the prediction (the server kept less, a reconcile, a resend) is read and hashed afresh; the
// read-ahead's bytes already fed to the whole-file digests are skipped by the DigestPipeline.
// Memory: at most two chunk buffers (one without read-ahead).
import type { FerryError } from '../common/errors.js';
import type { NextChunk } from './chunk-plan.js';
import type { DigestPipeline } from './digest-pipeline.js';
import type { Digests } from './digester.js';
import type { HashAlgorithm } from './hashing.js';
import type { OpenFile } from './ports.js';

export interface LoadedChunk {
  plan: NextChunk;
  /** The chunk's bytes: a view into one of the loader's buffers, valid until the next load. */
  data: Buffer;
  digests: Digests;
}

export interface ChunkLoaderOptions {
  file: Pick<OpenFile, 'read'>;
  pipeline: Pick<DigestPipeline, 'hashChunk'>;
  allocate(bytes: number): Buffer;
  /** Whether to read ahead now (worth it only when there is hashing to move off the main thread). */
  readAhead(): boolean;
  /** The per-chunk digests the provider wants now. */
  perChunk(): readonly HashAlgorithm[];
  /** The error for a read that came back short (the file got shorter). */
  shortRead(plan: NextChunk, got: number): FerryError;
}

interface Ahead {
  plan: NextChunk;
  slot: number;
  done: Promise<LoadedChunk>;
}

export class ChunkLoader {
  private readonly slots: (Buffer | undefined)[] = [undefined, undefined];
  /** The slot holding the chunk being sent, which a read-ahead must not touch. */
  private current = 0;
  private ahead: Ahead | undefined;
  /** Read-ahead outcomes, for tests and logs. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly o: ChunkLoaderOptions) {}

  /** The chunk `plan`, from the read-ahead when it predicted this chunk, otherwise read and hashed now. */
  async load(plan: NextChunk): Promise<LoadedChunk> {
    const a = this.ahead;
    this.ahead = undefined;
    if (a) {
      // A failed read-ahead is not reported: the chunk is read again below and fails there, as it would have.
      const got = await a.done.catch(() => undefined);
      if (got && sameChunk(a.plan, plan)) {
        this.stats.hits++;
        this.current = a.slot;
        return got;
      }
      this.stats.misses++;
    }
    // Nothing else is in flight now: the chunk sent last has settled, so its buffer is free.
    return this.readAndHash(plan, this.current);
  }

  /** Starts reading and hashing `plan` into the spare buffer while the current chunk is sent. */
  readAhead(plan: NextChunk | undefined): void {
    if (!plan || this.ahead || !this.o.readAhead()) return;
    const slot = 1 - this.current;
    const done = this.readAndHash(plan, slot);
    // Settled before anyone awaits it; the rejection is handled in load().
    done.catch(() => undefined);
    this.ahead = { plan, slot, done };
  }

  /** Waits for a read-ahead in flight (before finishing, closing the file or giving up). */
  async settle(): Promise<void> {
    const a = this.ahead;
    this.ahead = undefined;
    if (a) await a.done.catch(() => undefined);
  }

  private async readAndHash(plan: NextChunk, slot: number): Promise<LoadedChunk> {
    const buf = this.buffer(slot, plan.length);
    const n = await this.o.file.read(buf, plan.length, plan.offset);
    if (n < plan.length) throw this.o.shortRead(plan, n);
    const data = buf.subarray(0, plan.length);
    const digests = await this.o.pipeline.hashChunk(data, plan.offset, this.o.perChunk());
    return { plan, data, digests };
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
