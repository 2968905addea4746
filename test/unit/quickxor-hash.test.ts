// quickXorHash known answers. Vectors (input and digest, base64) are from rclone's
// backend/onedrive/quickxorhash/quickxorhash_test.go (MIT), which checks them against OneDrive.
// Larger inputs are checked against a deliberately naive 160-bit-register implementation.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { QuickXorHash } from '../../app/node/quickxor-hash.js';
import { createHasher } from '../../app/node/hashers.js';

const VECTORS: [size: number, input: string, digest: string][] = [
  [0, '', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
  [1, 'Sg==', 'SgAAAAAAAAAAAAAAAQAAAAAAAAA='],
  [2, 'tbQ=', 'taAFAAAAAAAAAAAAAgAAAAAAAAA='],
  [3, '0pZP', '0rDEEwAAAAAAAAAAAwAAAAAAAAA='],
  [8, '/aNzzCFPS/A=', '/RjFHJgRgicsAR4ACAAAAAAAAAA='],
  [13, 'vPgoDjOfO6fm71RxLw==', 'vMAHChwwg0/s4BTmdQcV4vACAAA='],
  [16, '2fuxhBJXtpWFe8dOfdGeHw==', 'O9tHLAghgSvYohKFyMMxnNCHaHg='],
  [19, 'g8VtAh+2Kf4k0kY5tzji2i2zmA==', 'wDNrgwHWAVukwB8kg4YRcnALHIg='],
  [20, 'T6LYJIfDh81JrAK309H2JMJTXis=', 'zBTHrspn3mEcohlJdIUAbjGNaNg='],
  [21, 'DWAAX5/CIfrmErgZa8ot6ZraeSbu', 'LR2Z0PjuRYGKQB/mhQAuMrAGZbQ='],
  [32, 'NbYXsp5/K6mR+NmHwExjvWeWDJFnXTKWVlzYHoesp2E=', 'wjuAuWDiq04qDt1R8hHWDDcwVoQ='],
  [64, 'Mb7EGva2rEE5fENDL85P+BsapHEEjv2/siVhKjvAQe02feExVOQSkfmuYzU/kTF1MaKjPmKF/w+cbvwfdWL8aQ==', 'n1anP5NfvD4XDYWIeRPW3ZkPv1Y='],
  [111, 'jyibxJSzO6ZiZ0O1qe3tG/bvIAYssvukh9suIT5wEy1JBINVgPiqdsTW0cOpP0aUfP7mgqLfADkzI/m/GgCuVhr8oFLrOCoTx1/psBOWwhltCbhUx51Icm9aH8tY4Z3ccU+6BKpYQkLCy0B/A9Zc', 'hZfLIilSITC6N3e3tQ/iSgEzkto='],
  [128, 'ikwCorI7PKWz17EI50jZCGbV9JU2E8bXVfxNMg5zdmqSZ2NlsQPp0kqYIPjzwTg1MBtfWPg53k0h0P2naJNEVgrqpoHTfV2b3pJ4m0zYPTJmUX4Bg/lOxcnCxAYKU29Y5F0U8Quz7ZXFBEweftXxJ7RS4r6N7BzJrPsLhY7hgck=', 'imAoFvCWlDn4yVw3/oq1PDbbm6U='],
  [222, 'PfxMcUd0vIW6VbHG/uj/Y0W6qEoKmyBD0nYebEKazKaKG+UaDqBEcmQjbfQeVnVLuodMoPp7P7TR1htX5n2VnkHh22xDyoJ8C/ZQKiSNqQfXvh83judf4RVr9exJCud8Uvgip6aVZTaPrJHVjQhMCp/dEnGvqg0oN5OVkM2qqAXvA0teKUDhgNM71sDBVBCGXxNOR2bpbD1iM4dnuT0ey4L+loXEHTL0fqMeUcEi2asgImnlNakwenDzz0x57aBwyq3AspCFGB1ncX4yYCr/OaCcS5OKi/00WH+wNQU3', 'QX/YEpG0gDsmhEpCdWhsxDzsfVE='],
  [256, 'qwGf2ESubE5jOUHHyc94ORczFYYbc2OmEzo+hBIyzJiNwAzC8PvJqtTzwkWkSslgHFGWQZR2BV5+uYTrYT7HVwRM40vqfj0dBgeDENyTenIOL1LHkjtDKoXEnQ0mXAHoJ8PjbNC93zi5TovVRXTNzfGEs5dpWVqxUzb5lc7dwkyvOluBw482mQ4xrzYyIY1t+//OrNi1ObGXuUw2jBQOFfJVj2Y6BOyYmfB1y36eBxi3zxeG5d5NYjm2GSh6e08QMAwu3zrINcqIzLOuNIiGXBtl7DjKt7b5wqi4oFiRpZsCyx2smhSrdrtK/CkdU6nDN+34vSR/M8rZpWQdBE7a8g==', 'WYT9JY3JIo/pEBp+tIM6Gt2nyTM='],
  [333, 'w0LGhqU1WXFbdavqDE4kAjEzWLGGzmTNikzqnsiXHx2KRReKVTxkv27u3UcEz9+lbMvYl4xFf2Z4aE1xRBBNd1Ke5C0zToSaYw5o4B/7X99nKK2/XaUX1byLow2aju2XJl2OpKpJg+tSJ2fmjIJTkfuYUz574dFX6/VXxSxwGH/xQEAKS5TCsBK3CwnuG1p5SAsQq3gGVozDWyjEBcWDMdy8/AIFrj/y03Lfc/RNRCQTAfZbnf2QwV7sluw4fH3XJr07UoD0YqN+7XZzidtrwqMY26fpLZnyZjnBEt1FAZWO7RnKG5asg8xRk9YaDdedXdQSJAOy6bWEWlABj+tVAigBxavaluUH8LOj+yfCFldJjNLdi90fVHkUD/m4Mr5OtmupNMXPwuG3EQlqWUVpQoYpUYKLsk7a5Mvg6UFkiH596y5IbJEVCI1Kb3D1', 'e3+wo77iKcILiZegnzyUNcjCdoQ='],
];

function qx(data: Uint8Array): string {
  return new QuickXorHash().update(data).digest().toString('base64');
}

/** The definition, one byte at a time: a 160-bit register, byte k XORed in rotated left by 11·k. */
function naive(data: Uint8Array): string {
  const mask = (1n << 160n) - 1n;
  let reg = 0n;
  let shift = 0n;
  for (const b of data) {
    const v = BigInt(b) << shift;
    reg ^= (v | (v >> 160n)) & mask;
    shift = (shift + 11n) % 160n;
  }
  const out = Buffer.alloc(20);
  for (let i = 0; i < 20; i++) out[i] = Number((reg >> BigInt(8 * i)) & 0xffn);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(data.length));
  for (let i = 0; i < 8; i++) out[12 + i]! ^= len[i]!;
  return out.toString('base64');
}

/** Deterministic pseudo-random bytes (SHA-256 in counter mode), so failures reproduce. */
function bytes(n: number, seed = 'ferry'): Buffer {
  const out = Buffer.alloc(n);
  for (let off = 0, i = 0; off < n; off += 32, i++) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  return out;
}

describe('quickXorHash', () => {
  it.each(VECTORS)('matches the reference digest for %i bytes', (size, input, digest) => {
    const data = Buffer.from(input, 'base64');
    expect(data.length).toBe(size);
    expect(qx(data)).toBe(digest);
    expect(naive(data)).toBe(digest);
  });

  it('gives the same digest when fed in pieces split at odd boundaries', () => {
    for (const [, input, digest] of VECTORS) {
      const data = Buffer.from(input, 'base64');
      for (const piece of [1, 2, 3, 7, 19, 159, 160, 161, 333]) {
        const h = new QuickXorHash();
        for (let i = 0; i < data.length; i += piece) h.update(data.subarray(i, i + piece));
        expect(h.digest().toString('base64'), `size ${data.length} piece ${piece}`).toBe(digest);
      }
    }
  });

  it('agrees with the definition at 1 MiB - 1, 1 MiB and 1 MiB + 1', () => {
    for (const n of [(1 << 20) - 1, 1 << 20, (1 << 20) + 1]) {
      const data = bytes(n, `size${n}`);
      expect(qx(data), `size ${n}`).toBe(naive(data));
    }
  });

  it('handles inputs that are not 4-byte aligned in memory, fed in uneven pieces, like one whole update', () => {
    const data = bytes(700_003).subarray(3);
    const whole = qx(data);
    expect(whole).toBe(naive(data));
    const h = new QuickXorHash();
    const steps = [1, 5, 160, 65_441, 100_000, 13];
    let off = 0;
    for (let i = 0; off < data.length; i++) {
      const end = Math.min(data.length, off + steps[i % steps.length]!);
      h.update(data.subarray(off, end));
      off = end;
    }
    expect(h.digest().toString('base64')).toBe(whole);
  });

  it('is what the engine hasher returns (base64, as OneDrive reports it)', () => {
    const data = Buffer.from(VECTORS[9]![1], 'base64');
    const h = createHasher('quickxor');
    h.update(data.subarray(0, 10));
    h.update(data.subarray(10));
    expect(h.digest()).toBe(VECTORS[9]![2]);
  });
});
