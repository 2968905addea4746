// CRC32C as the engine's hash: the standard check value, continued across pieces, and the same
// on the worker thread; hex of the big-endian value, the four bytes GCS reports in base64.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createHasher } from '../../app/node/hashers.js';
import { WorkerDigester } from '../../app/node/worker-digester.js';
import { Crc32c } from '../../app/providers/redivis/crc32c.js';

const digesters: WorkerDigester[] = [];
afterEach(async () => {
  await Promise.all(digesters.splice(0).map((d) => d.close()));
});

describe('crc32c hasher', () => {
  it('gives the CRC-32C check value of "123456789" (0xE3069283, RFC 3720 / iSCSI) as 8 hex digits', () => {
    const h = createHasher('crc32c');
    h.update(Buffer.from('123456789'));
    expect(h.digest()).toBe('e3069283');
    const empty = createHasher('crc32c');
    expect(empty.digest()).toBe('00000000');
  });

  it('fed in pieces equals one pass, and equals the emulator\'s table implementation (GCS base64 ↔ hex)', () => {
    const data = randomBytes(1_000_003);
    const h = createHasher('crc32c');
    for (let off = 0; off < data.length; off += 65_537) h.update(data.subarray(off, off + 65_537));
    const gcs = new Crc32c().update(data).base64();
    expect(h.digest()).toBe(Buffer.from(gcs, 'base64').toString('hex'));
  });

  it('the worker thread computes the same per-chunk and whole-file crc32c', async () => {
    const d = new WorkerDigester();
    digesters.push(d);
    const data = randomBytes(200_000);
    const buf = d.allocate(data.length);
    data.copy(buf);
    const s = d.open(['crc32c']);
    const one = await s.hash(buf.subarray(0, 100_000), ['crc32c'], 0);
    await s.hash(buf.subarray(100_000), [], 0);
    const part = createHasher('crc32c');
    part.update(data.subarray(0, 100_000));
    const all = createHasher('crc32c');
    all.update(data);
    expect(one).toEqual({ crc32c: part.digest() });
    expect(await s.finish()).toEqual({ crc32c: all.digest() });
    s.close();
  });
});
