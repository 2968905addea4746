// The worker-thread digester computes exactly what the in-thread hashers compute (node:crypto and
// the app's quickXorHash, which reaches the worker as source text), keeps concurrent transfers'
// whole-file states apart, and reports a dead worker as an error instead of hanging.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createHasher } from '../../app/node/hashers.js';
import { WorkerDigester } from '../../app/node/worker-digester.js';

const digesters: WorkerDigester[] = [];
afterEach(async () => {
  await Promise.all(digesters.splice(0).map((d) => d.close()));
});

function whole(algorithm: 'sha1' | 'md5' | 'quickxor' | 'crc32c', data: Buffer): string {
  const h = createHasher(algorithm);
  h.update(data);
  return h.digest();
}

describe('WorkerDigester', () => {
  it('per-chunk and whole-file digests match the in-thread hashers, in shared memory and from an ordinary Buffer', async () => {
    const d = new WorkerDigester();
    digesters.push(d);
    const file = randomBytes(300_001);
    const s = d.open(['sha1', 'quickxor', 'md5', 'crc32c']);
    const buf = d.allocate(100_000);
    for (let off = 0; off < file.length; off += 100_000) {
      const piece = file.subarray(off, off + 100_000);
      const n = piece.copy(buf);
      // The last piece comes from an ordinary Buffer at an odd offset (copied once into shared memory).
      const data = off + 100_000 >= file.length ? Buffer.concat([Buffer.alloc(3), piece]).subarray(3) : buf.subarray(0, n);
      const got = await s.hash(data, ['sha1', 'md5'], 0);
      expect(got).toEqual({ sha1: createHash('sha1').update(piece).digest('hex'), md5: createHash('md5').update(piece).digest('hex') });
    }
    expect(await s.finish()).toEqual({ sha1: whole('sha1', file), quickxor: whole('quickxor', file), md5: whole('md5', file), crc32c: whole('crc32c', file) });
    s.close();
  });

  it('a CRC32C-only stream (Redivis) is right and starts no worker: computed on the calling thread', async () => {
    const d = new WorkerDigester();
    digesters.push(d);
    const file = randomBytes(250_003);
    const s = d.open(['crc32c']);
    await s.hash(file.subarray(0, 120_000), [], 0);
    // Bytes 100,000..250,003, of which 100,000..120,000 were fed already; the chunk's own SHA-1 too.
    const got = await s.hash(file.subarray(100_000), ['sha1'], 20_000);
    expect(got).toEqual({ sha1: createHash('sha1').update(file.subarray(100_000)).digest('hex') });
    expect(await s.finish()).toEqual({ crc32c: whole('crc32c', file) });
    expect((d as unknown as { worker?: unknown }).worker).toBeUndefined();
  });

  it('a quickXorHash stream (OneDrive) is right and starts no worker; a SHA-1 stream still does', async () => {
    const d = new WorkerDigester();
    digesters.push(d);
    const file = randomBytes(333_331);
    const s = d.open(['quickxor']);
    await s.hash(file.subarray(0, 100_001), [], 0);
    await s.hash(file.subarray(100_001), [], 0);
    expect(await s.finish()).toEqual({ quickxor: whole('quickxor', file) });
    expect((d as unknown as { worker?: unknown }).worker).toBeUndefined();
    const sha = d.open(['sha1']);
    expect(await sha.finish()).toEqual({ sha1: createHash('sha1').digest('hex') });
    expect((d as unknown as { worker?: unknown }).worker).toBeDefined();
    sha.close();
  });

  it('wholeFrom skips bytes already hashed, and two streams (two transfers) never mix', async () => {
    const d = new WorkerDigester();
    digesters.push(d);
    const a = randomBytes(5000);
    const b = randomBytes(7000);
    const sa = d.open(['sha1']);
    const sb = d.open(['sha1']);
    const ba = d.allocate(5000);
    const bb = d.allocate(7000);
    a.copy(ba);
    b.copy(bb);
    await Promise.all([sa.hash(ba.subarray(0, 3000), [], 0), sb.hash(bb, [], 0)]);
    // Bytes 2000..5000 of a, of which 2000..3000 were hashed already.
    expect(await sa.hash(ba.subarray(2000, 5000), ['sha1'], 1000)).toEqual({ sha1: createHash('sha1').update(a.subarray(2000)).digest('hex') });
    expect(await sa.finish()).toEqual({ sha1: whole('sha1', a) });
    expect(await sb.finish()).toEqual({ sha1: whole('sha1', b) });
  });

  it('a worker that is gone fails the stream with a message saying so; a new stream gets a new worker', async () => {
    const d = new WorkerDigester();
    digesters.push(d);
    const s = d.open(['sha1']);
    await s.hash(d.allocate(10), [], 0);
    await d.close();
    const e = await s.hash(d.allocate(10), [], 0).catch((x: unknown) => x as Error);
    expect((e as Error).message).toMatch(/hashing worker stopped/);
    const again = d.open(['md5']);
    const data = d.allocate(4);
    data.write('abcd');
    await again.hash(data, [], 0);
    expect(await again.finish()).toEqual({ md5: createHash('md5').update('abcd').digest('hex') });
  });
});
