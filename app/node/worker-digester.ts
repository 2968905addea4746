// A Digester whose hashing runs on one worker thread, so that hashing a chunk overlaps sending
// the one before (2 cores: the main thread writes the socket, the worker hashes). Chunk buffers
// are SharedArrayBuffer-backed: the worker hashes them in place, nothing is copied.
// Streams of cheap digests only (CRC32C) are computed in-thread, without the worker.
// One worker per process, shared by every transfer (a stream per transfer); it holds the event
// loop open only while it has work, and one that dies fails the calls in flight, not the app:
// the next stream starts a new worker.
import { Worker } from 'node:worker_threads';
import { FerryError } from '../common/errors.js';
import { inlineDigester, type Digester, type Digests, type DigestStream } from '../engine/digester.js';
import type { HashAlgorithm } from '../engine/hashing.js';
import { digestWorkerSource } from './digest-worker-source.js';
import { createHasher } from './hashers.js';

/**
 * Digests cheap enough to compute on the calling thread: native CRC32C (about 8 GB/s here) and
 * quickXorHash (about 2 GB/s) cost less there than the worker's start, messages and wake-ups, and
 * hashing a slice just read finds it in this core's cache. Measured on loopback: Redivis (256 MiB,
 * CRC32C) 0.90 CPU s/GiB through the worker, 0.66 in-thread; OneDrive (1 GiB, quickXorHash, three
 * A/B pairs, 2026-12-03) 1.27–1.35 s/GiB net and 621–634 MB/s through the worker, 1.08–1.29 and
 * 657–738 MB/s in-thread, start-up 0.55 → 0.40 s. SHA-1 and MD5 (0.9 and 0.5 GB/s) stay on the
 * worker: in-thread they would cap a fast link at what one core can hash and send.
 */
const IN_THREAD: ReadonlySet<HashAlgorithm> = new Set(['crc32c', 'quickxor']);

interface Pending {
  resolve(d: Digests): void;
  reject(e: Error): void;
}

interface Reply {
  id: number;
  digests?: Digests;
  error?: string;
}

export class WorkerDigester implements Digester {
  readonly offThread = true;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextStream = 1;
  private readonly inThread = inlineDigester(createHasher);

  allocate(bytes: number): Buffer {
    return Buffer.from(new SharedArrayBuffer(Math.max(bytes, 1)), 0, bytes);
  }

  open(whole: readonly HashAlgorithm[]): DigestStream {
    if (whole.length > 0 && whole.every((a) => IN_THREAD.has(a))) return this.inThread.open(whole);
    const worker = this.start();
    const stream = this.nextStream++;
    // Not awaited: the port delivers in order, so a call posted now is handled after the open, and
    // posting at once lets the worker start while this thread goes on (the preparing pass hashes the
    // file's MD5 here while the worker hashes the parts' MD5s). A failed open fails the calls after it.
    const opened = this.call(worker, { op: 'open', stream, algorithms: [...whole] });
    opened.catch(() => undefined);
    const call = (msg: Record<string, unknown>): Promise<Digests> => {
      if (worker !== this.worker) return Promise.reject(new FerryError('internal', 'the hashing worker stopped during the upload; the digests are lost'));
      return this.call(worker, { ...msg, stream });
    };
    return {
      hash: (data, perChunk, wholeFrom) => {
        const shared = data.buffer instanceof SharedArrayBuffer ? data : this.copy(data);
        return call({ op: 'hash', buffer: shared.buffer, offset: shared.byteOffset, length: shared.length, perChunk: [...perChunk], wholeFrom });
      },
      finish: () => call({ op: 'finish' }),
      close: () => {
        if (worker === this.worker) worker.postMessage({ op: 'close', stream });
      },
    };
  }

  /** Stops the worker (app shutdown); calls in flight fail. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(digestWorkerSource(), { eval: true, name: 'ferry-digests' });
    w.unref();
    w.on('message', (r: Reply) => this.settle(r));
    const fail = (why: string): void => {
      if (this.worker === w) this.worker = undefined;
      const e = new FerryError('internal', `the hashing worker stopped (${why}); the upload's digests are lost`);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`exit code ${code}`));
    this.worker = w;
    return w;
  }

  private call(worker: Worker, msg: Record<string, unknown>): Promise<Digests> {
    const id = this.nextId++;
    return new Promise<Digests>((resolve, reject) => {
      // The worker keeps the process alive only while someone waits for it.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id });
    });
  }

  private settle(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (r.error !== undefined) p.reject(new FerryError('internal', `hashing failed on the worker thread: ${r.error}`));
    else p.resolve(r.digests ?? {});
  }

  /** A caller's ordinary Buffer: copied once into shared memory (the runner's buffers never need this). */
  private copy(data: Buffer): Buffer {
    const b = this.allocate(data.length);
    data.copy(b);
    return b;
  }
}

/**
 * The digester the app uses: the worker thread unless FERRY_HASH_WORKER=off (benchmark A/B,
 * or a platform without worker threads), then in-thread hashing as before.
 */
export function chooseDigester(env: NodeJS.ProcessEnv, inThread: () => Digester): Digester {
  return env['FERRY_HASH_WORKER'] === 'off' ? inThread() : new WorkerDigester();
}
