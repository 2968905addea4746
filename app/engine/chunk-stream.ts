// A chunk sent as it is read: the body is read from the file in small slices from a ring of
// reused buffers, each slice fed to the whole-file digests (in file order) before it is handed
// to the socket, so a 200 MiB chunk costs a few MiB. Each read() starts from the chunk's first
// byte again (a retry re-reads the file).
// Ring safety: undici asks for slice i only once slice i-1 was accepted by the socket, and a
// socket queues bytes in order, so slice i-3 has left the process by then; slice i+1 is read
// into i-3's buffer.
import type { FerryError } from '../common/errors.js';
import type { NextChunk } from './chunk-plan.js';
import type { DigestStream } from './digester.js';
import type { StreamBody } from './http.js';
import type { OpenFile } from './ports.js';

/** Bytes read from the file at a time: large enough for loopback speed, small enough to cost nothing. */
export const STREAM_SLICE = 1 << 20;
/**
 * The slice for a chunk sent alone (ordered protocols): each slice is one socket write and the
 * wait for it to drain, whose cost is per write, not per byte. Measured on loopback (256 MiB, tus
 * without checksums): 0.84 CPU s/GiB with 1 MiB slices, 0.60 with 4 MiB; 8 MiB gained nothing more.
 * Memory: a ring of four, 16 MiB, where parts in flight keep 1 MiB slices (4 MiB each).
 */
export const LONE_STREAM_SLICE = 4 << 20;
/** Slices of one chunk in use at once (see the ring safety note above). */
export const STREAM_RING = 4;
const RING = STREAM_RING;

/**
 * Slice buffers reused from chunk to chunk: a worker digester's buffers are shared memory that
 * the garbage collector frees late, so allocating a fresh ring per chunk would grow the process
 * by megabytes per chunk.
 */
export class SlicePool {
  private readonly free: Buffer[] = [];
  constructor(private readonly allocate: (bytes: number) => Buffer, readonly size = STREAM_SLICE) {}

  take(): Buffer {
    return this.free.pop() ?? this.allocate(this.size);
  }

  give(bufs: Buffer[]): void {
    // Bounded: what parts in flight and a read-ahead use at most, and no more is kept.
    for (const b of bufs) if (this.free.length < 64) this.free.push(b);
  }
}

export interface ChunkStreamOptions {
  file: Pick<OpenFile, 'read'>;
  plan: NextChunk;
  pool: SlicePool;
  /** Feeds the slice (the file's bytes from `offset`) to the whole-file digests; resolves once it may be reused. */
  hash(slice: Buffer, offset: number): Promise<unknown>;
  shortRead(plan: NextChunk, got: number): FerryError;
}

/** A streamed chunk's body and the release of its slice buffers (once its send settled: the socket may still hold the last slices before). */
export interface ChunkStream {
  body: StreamBody;
  free(): void;
}

export function chunkStream(o: ChunkStreamOptions): ChunkStream {
  const { plan, pool } = o;
  const size = pool.size;
  const ring: Buffer[] = [];
  /** The read-ahead of the attempt before (a retry): awaited before its buffers are reused. */
  let lastPending: Promise<unknown> = Promise.resolve();
  const body: StreamBody = {
    length: plan.length,
    async *read(): AsyncIterable<Buffer> {
      await lastPending;
      const count = Math.ceil(plan.length / size);
      /** Slice i read (overlapping the previous one's hashing) and hashed after it, in file order. */
      const prepare = (i: number, before: Promise<unknown>): Promise<Buffer> => {
        const buf = (ring[i % RING] ??= pool.take());
        const from = i * size;
        const len = Math.min(size, plan.length - from);
        return (async () => {
          const got = await o.file.read(buf, len, plan.offset + from);
          if (got < len) throw o.shortRead(plan, from + got);
          const view = buf.subarray(0, len);
          await before;
          await o.hash(view, plan.offset + from);
          return view;
        })();
      };
      let next: Promise<Buffer> | undefined = count > 0 ? prepare(0, Promise.resolve()) : undefined;
      try {
        for (let i = 0; i < count; i++) {
          const cur: Promise<Buffer> = next!;
          next = i + 1 < count ? prepare(i + 1, cur) : undefined;
          // Settled before anyone awaits it when the request ends early; awaited in finally.
          next?.catch(() => undefined);
          lastPending = next?.catch(() => undefined) ?? Promise.resolve();
          yield await cur;
        }
      } finally {
        // The file may be closed after the send settles: no read may still be in flight.
        await next?.catch(() => undefined);
      }
    },
  };
  return { body, free: () => pool.give(ring.splice(0)) };
}

/**
 * Feeds bytes [from, to) of a streamed chunk to its own digests (Box part SHA-1, tus checksum)
 * before it is sent, in slices, and to the whole-file digests (the send pass then finds them
 * fed). The caller finishes `own`: a longer chunk at the same offset continues it.
 */
export async function digestPass(o: ChunkStreamOptions & { own: DigestStream; from: number; to: number }): Promise<void> {
  const { plan, pool, own } = o;
  const size = pool.size;
  const bufs = [pool.take(), pool.take()];
  try {
    let pending: Promise<unknown> = Promise.resolve();
    for (let i = 0, from = o.from; from < o.to; i++, from += size) {
      const buf = bufs[i % 2]!;
      const len = Math.min(size, o.to - from);
      // Slice i is read while slice i-1 is hashed; its buffer was last used by slice i-2, hashed already.
      const got = await o.file.read(buf, len, plan.offset + from);
      if (got < len) throw o.shortRead(plan, from + got);
      await pending;
      const view = buf.subarray(0, len);
      pending = Promise.all([own.hash(view, [], 0), o.hash(view, plan.offset + from)]);
    }
    await pending;
  } finally {
    pool.give(bufs);
  }
}
