// The runner's read-ahead (ChunkLoader over a DigestPipeline) with hand-written fakes: a file in
// memory that counts reads, and a digester that hashes with node:crypto but claims to be off-thread
// (so the loader reads ahead) and settles on a later tick (so a read-ahead really is in flight).
// What the user is owed: every chunk's bytes and per-chunk digest are the file's, the whole-file
// digest is the file's whatever the server made us send, and a correct prediction costs no re-read.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { ChunkLoader } from '../../app/engine/chunk-loader.js';
import type { NextChunk } from '../../app/engine/chunk-plan.js';
import { DigestPipeline } from '../../app/engine/digest-pipeline.js';
import { inlineDigester, type Digester } from '../../app/engine/digester.js';
import type { OpenFile } from '../../app/engine/ports.js';
import { createHasher } from '../../app/node/hashers.js';

const CHUNK = 1000;
const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');

class MemoryFile implements OpenFile {
  readonly path = '/data/clip.bin';
  reads: [position: number, length: number][] = [];
  constructor(public bytes: Buffer) {}
  async stat(): Promise<never> {
    throw new Error('not used');
  }
  async read(buf: Buffer, length: number, position: number): Promise<number> {
    this.reads.push([position, length]);
    await new Promise((r) => setImmediate(r));
    return this.bytes.copy(buf, 0, position, Math.min(position + length, this.bytes.length));
  }
  async close(): Promise<void> {}
}

/** In-thread hashing that reports itself off-thread and answers on a later tick, like a worker. */
function laterDigester(): Digester & { allocated: number[] } {
  const inner = inlineDigester(createHasher);
  const allocated: number[] = [];
  return {
    offThread: true,
    allocated,
    allocate: (n) => {
      allocated.push(n);
      return Buffer.alloc(n);
    },
    open(whole) {
      const s = inner.open(whole);
      return {
        hash: async (data, perChunk, wholeFrom) => {
          await new Promise((r) => setImmediate(r));
          return s.hash(data, perChunk, wholeFrom);
        },
        finish: () => s.finish(),
        close: () => s.close(),
      };
    },
  };
}

function chunk(i: number, size: number, offset = i * CHUNK): NextChunk {
  const length = Math.min(CHUNK, size - offset);
  return { index: Math.floor(offset / CHUNK), offset, length, final: offset + length >= size };
}

function setup(size = 3500, readAhead = true) {
  const file = new MemoryFile(randomBytes(size));
  const digester = laterDigester();
  const pipeline = new DigestPipeline(['sha1'], digester, file);
  const loader = new ChunkLoader({
    file, pipeline, allocate: (n) => digester.allocate(n), readAhead: () => readAhead, perChunk: () => ['md5'],
    shortRead: (c, n) => new FerryError('file-short', `${file.path} got shorter (chunk at ${c.offset}, ${n} bytes read)`, { file: file.path }),
  });
  const expectChunk = (got: { data: Buffer; digests: Record<string, string> }, c: NextChunk): void => {
    const want = file.bytes.subarray(c.offset, c.offset + c.length);
    expect(got.data.equals(want)).toBe(true);
    expect(got.digests['md5']).toBe(createHash('md5').update(want).digest('hex'));
  };
  return { file, digester, pipeline, loader, expectChunk, size };
}

describe('ChunkLoader read-ahead', () => {
  it('a correct prediction is used without reading the chunk again, and the chunk being sent is never overwritten', async () => {
    const { file, pipeline, loader, expectChunk, size, digester } = setup();
    for (let i = 0; i < 4; i++) {
      const c = chunk(i, size);
      const got = await loader.load(c);
      expectChunk(got, c);
      loader.readAhead(i < 3 ? chunk(i + 1, size) : undefined);
      // "On the wire": the read-ahead of the next chunk runs now and must leave this chunk's bytes alone.
      await new Promise((r) => setTimeout(r, 5));
      expectChunk(got, c);
    }
    await loader.settle();
    expect(loader.stats).toEqual({ hits: 3, misses: 0 });
    expect(file.reads).toEqual([[0, 1000], [1000, 1000], [2000, 1000], [3000, 500]]);
    expect(digester.allocated).toHaveLength(2); // two chunk buffers, no more
    expect(await pipeline.digests(size)).toEqual({ sha1: sha1(file.bytes) });
  });

  it('a miss (the server kept less than it was sent) reads the right chunk and the file digest still sees each byte once', async () => {
    const { file, pipeline, loader, expectChunk, size } = setup();
    expectChunk(await loader.load(chunk(0, size)), chunk(0, size));
    loader.readAhead(chunk(1, size));
    // The server persisted only 600 bytes: the next chunk starts there, not at 1000.
    const c = chunk(0, size, 600);
    expectChunk(await loader.load(c), c);
    expect(loader.stats).toEqual({ hits: 0, misses: 1 });
    for (let off = 1600; off < size; off += CHUNK) {
      const next = chunk(0, size, off);
      loader.readAhead(next);
      expectChunk(await loader.load(next), next);
    }
    expect(await pipeline.digests(size)).toEqual({ sha1: sha1(file.bytes) });
  });

  it('a resend of the same chunk discards the read-ahead, re-reads that chunk, and the prediction after it is read again', async () => {
    const { file, pipeline, loader, expectChunk, size } = setup();
    expectChunk(await loader.load(chunk(0, size)), chunk(0, size));
    loader.readAhead(chunk(1, size));
    // Digest mismatch: the same chunk again.
    expectChunk(await loader.load(chunk(0, size)), chunk(0, size));
    loader.readAhead(chunk(1, size));
    for (let i = 1; i < 4; i++) {
      expectChunk(await loader.load(chunk(i, size)), chunk(i, size));
      loader.readAhead(i < 3 ? chunk(i + 1, size) : undefined);
    }
    expect(loader.stats).toEqual({ hits: 3, misses: 1 });
    expect(file.reads.filter(([p]) => p === 0)).toHaveLength(2);
    expect(await pipeline.digests(size)).toEqual({ sha1: sha1(file.bytes) });
  });

  it('parts out of order (a resume that skips held parts) hash the gap from disk for the file digest', async () => {
    const { file, pipeline, loader, expectChunk, size } = setup();
    expectChunk(await loader.load(chunk(2, size)), chunk(2, size));
    loader.readAhead(chunk(3, size));
    expectChunk(await loader.load(chunk(3, size)), chunk(3, size));
    expect(await pipeline.digests(size)).toEqual({ sha1: sha1(file.bytes) });
  });

  it('a read-ahead that finds the file shorter reports nothing itself; loading that chunk fails with file-short as before', async () => {
    const { file, loader, expectChunk, size } = setup();
    expectChunk(await loader.load(chunk(0, size)), chunk(0, size));
    file.bytes = file.bytes.subarray(0, 1500);
    loader.readAhead(chunk(1, size));
    await new Promise((r) => setTimeout(r, 5));
    const e = await loader.load(chunk(1, size)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FerryError);
    expect((e as FerryError).code).toBe('file-short');
    expect((e as FerryError).message).toContain('/data/clip.bin');
    expect(loader.stats.misses).toBe(1);
  });

  it('without read-ahead (in-thread hashing) only one buffer is used and nothing is read before it is asked for', async () => {
    const { file, pipeline, loader, expectChunk, size, digester } = setup(3500, false);
    for (let i = 0; i < 4; i++) {
      expectChunk(await loader.load(chunk(i, size)), chunk(i, size));
      loader.readAhead(i < 3 ? chunk(i + 1, size) : undefined);
      expect(file.reads).toHaveLength(i + 1);
    }
    expect(digester.allocated).toHaveLength(1);
    expect(loader.stats).toEqual({ hits: 0, misses: 0 });
    expect(await pipeline.digests(size)).toEqual({ sha1: sha1(file.bytes) });
  });
});
