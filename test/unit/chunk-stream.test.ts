// Issue 12: a chunk streamed from the file (ChunkLoader.stream → chunkStream). What the user is
// owed: the body's bytes are exactly the file's, whatever the chunk size the memory is a few
// small slices, the whole-file digest sees each byte once even when the body is read again (a
// retry), and a file that got shorter fails with file-short.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { ChunkLoader } from '../../app/engine/chunk-loader.js';
import type { NextChunk } from '../../app/engine/chunk-plan.js';
import { DigestPipeline } from '../../app/engine/digest-pipeline.js';
import { inlineDigester } from '../../app/engine/digester.js';
import type { StreamBody } from '../../app/engine/http.js';
import type { OpenFile } from '../../app/engine/ports.js';
import { createHasher } from '../../app/node/hashers.js';

const MiB = 1 << 20;
const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');

class MemoryFile implements OpenFile {
  readonly path = '/data/big.bin';
  /** Bytes read so far. */
  readBytes = 0;
  constructor(public bytes: Buffer) {}
  async stat(): Promise<never> {
    throw new Error('not used');
  }
  async read(buf: Buffer, length: number, position: number): Promise<number> {
    await new Promise((r) => setImmediate(r));
    const n = this.bytes.copy(buf, 0, position, Math.min(position + length, this.bytes.length));
    this.readBytes += n;
    return n;
  }
  async close(): Promise<void> {}
}

function setup(size: number, perChunk: ('md5' | 'sha1')[] = [], readAhead = false) {
  const file = new MemoryFile(randomBytes(size));
  const allocated: number[] = [];
  const inner = inlineDigester(createHasher);
  const digester = { ...inner, allocate: (n: number) => { allocated.push(n); return Buffer.alloc(n); } };
  const pipeline = new DigestPipeline(['sha1'], digester, file);
  const loader = new ChunkLoader({
    file, pipeline, allocate: digester.allocate, readAhead: () => readAhead, perChunk: () => perChunk, open: (a) => digester.open(a),
    shortRead: (c, n) => new FerryError('file-short', `${file.path} got shorter (chunk at ${c.offset}, ${n} bytes read)`, { file: file.path }),
  });
  return { file, allocated, pipeline, loader };
}

/** The body as the transport sends it: each slice copied out before the next is asked for. */
async function wire(b: StreamBody): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const piece of b.read()) out.push(Buffer.from(piece));
  return Buffer.concat(out);
}

const plan = (offset: number, length: number, size: number): NextChunk => ({ index: 0, offset, length, final: offset + length >= size });

describe('streamed chunks', () => {
  it('the body is exactly the file\'s bytes and a large chunk costs at most four 1 MiB slices', async () => {
    const size = 40 * MiB + 5;
    const { file, allocated, pipeline, loader } = setup(size);
    const a = (await loader.stream(plan(0, 24 * MiB, size)));
    const b = (await loader.stream(plan(24 * MiB, size - 24 * MiB, size)));
    expect(a.body!.length).toBe(24 * MiB);
    expect(a.data.length).toBe(0);
    expect((await wire(a.body!)).equals(file.bytes.subarray(0, 24 * MiB))).toBe(true);
    expect((await wire(b.body!)).equals(file.bytes.subarray(24 * MiB))).toBe(true);
    // Two chunks of 24 and 16 MiB, never more than four 1 MiB buffers each.
    expect(allocated.length).toBeLessThanOrEqual(8);
    expect(Math.max(...allocated)).toBeLessThanOrEqual(MiB);
    expect((await pipeline.digests(size))['sha1']).toBe(sha1(file.bytes));
  });

  it('a body read again (a retry) re-reads the file and the whole-file digest still sees each byte once', async () => {
    const size = 5 * MiB + 77;
    const { file, pipeline, loader } = setup(size);
    const c = (await loader.stream(plan(0, 3 * MiB, size)));
    // The first attempt dies after one slice; the retry reads the whole chunk again.
    for await (const _ of c.body!.read()) break;
    expect((await wire(c.body!)).equals(file.bytes.subarray(0, 3 * MiB))).toBe(true);
    await wire((await loader.stream(plan(3 * MiB, size - 3 * MiB, size))).body!);
    expect((await pipeline.digests(size))['sha1']).toBe(sha1(file.bytes));
  });

  it('a chunk whose digest goes with it (tus checksum, Box part SHA-1) gets it before it is sent, from the read-ahead when predicted', async () => {
    const size = 7 * MiB + 3;
    const { file, allocated, pipeline, loader } = setup(size, ['md5'], true);
    const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
    const first = await loader.stream(plan(0, 4 * MiB, size));
    expect(first.digests['md5']).toBe(md5(file.bytes.subarray(0, 4 * MiB)));
    loader.readAhead(plan(4 * MiB, size - 4 * MiB, size), true);
    expect((await wire(first.body!)).equals(file.bytes.subarray(0, 4 * MiB))).toBe(true);
    const second = await loader.stream(plan(4 * MiB, size - 4 * MiB, size));
    expect(loader.stats).toEqual({ hits: 1, misses: 0 });
    expect(second.digests['md5']).toBe(md5(file.bytes.subarray(4 * MiB)));
    expect((await wire(second.body!)).equals(file.bytes.subarray(4 * MiB))).toBe(true);
    expect(Math.max(...allocated)).toBeLessThanOrEqual(MiB);
    expect((await pipeline.digests(size))['sha1']).toBe(sha1(file.bytes));
  });

  it('a chunk that grew past the read-ahead\'s prediction (same offset) continues its digest: right digest, no byte hashed twice', async () => {
    const size = 12 * MiB + 9;
    const { file, pipeline, loader } = setup(size, ['md5'], true);
    const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
    const first = await loader.stream(plan(0, 2 * MiB, size));
    await wire(first.body!);
    const before = file.readBytes;
    // Predicted at the old size (2 MiB); the chunk size then grew to 6 MiB.
    loader.readAhead(plan(2 * MiB, 2 * MiB, size), true);
    const second = await loader.stream(plan(2 * MiB, 6 * MiB, size));
    expect(loader.stats.hits).toBe(1);
    expect(second.digests['md5']).toBe(md5(file.bytes.subarray(2 * MiB, 8 * MiB)));
    // The predicted 2 MiB once, the 4 MiB it lacked once: nothing read for the digests twice.
    expect(file.readBytes - before).toBe(6 * MiB);
    expect((await wire(second.body!)).equals(file.bytes.subarray(2 * MiB, 8 * MiB))).toBe(true);
    await wire((await loader.stream(plan(8 * MiB, size - 8 * MiB, size))).body!);
    expect((await pipeline.digests(size))['sha1']).toBe(sha1(file.bytes));
  });

  it('a read-ahead that does not fit (a shorter chunk, another offset) is dropped: the digest is the chunk\'s own', async () => {
    const size = 9 * MiB;
    const { file, pipeline, loader } = setup(size, ['md5'], true);
    const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
    loader.readAhead(plan(0, 4 * MiB, size), true);
    const shorter = await loader.stream(plan(0, 3 * MiB, size));
    expect(shorter.digests['md5']).toBe(md5(file.bytes.subarray(0, 3 * MiB)));
    await wire(shorter.body!);
    loader.readAhead(plan(4 * MiB, 2 * MiB, size), true);
    const elsewhere = await loader.stream(plan(3 * MiB, 2 * MiB, size));
    expect(elsewhere.digests['md5']).toBe(md5(file.bytes.subarray(3 * MiB, 5 * MiB)));
    expect(loader.stats).toEqual({ hits: 0, misses: 2 });
    await wire(elsewhere.body!);
    await wire((await loader.stream(plan(5 * MiB, 4 * MiB, size))).body!);
    expect((await pipeline.digests(size))['sha1']).toBe(sha1(file.bytes));
  });

  it('a file that got shorter fails the body with file-short', async () => {
    const size = 3 * MiB;
    const { file, loader } = setup(size);
    const c = (await loader.stream(plan(0, size, size)));
    file.bytes = file.bytes.subarray(0, 2 * MiB + 10);
    const e = await wire(c.body!).catch((x: unknown) => x);
    expect((e as FerryError).code).toBe('file-short');
  });
});
