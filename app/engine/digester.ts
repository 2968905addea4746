// Digest port for the chunk loop: per-chunk digests (what a provider sends with each chunk) and
// whole-file digests (checked or committed at the end), computed on this thread or another.
// app/node supplies a worker-thread implementation; `inlineDigester` is the in-thread one.
import type { HashAlgorithm, Hasher, HasherFactory } from './hashing.js';

export type Digests = Partial<Record<HashAlgorithm, string>>;

export interface Digester {
  /** True when hashing runs on another thread, so it can overlap sending (the runner then reads ahead). */
  readonly offThread: boolean;
  /** A chunk buffer this digester can hash without copying (shared memory for a worker). */
  allocate(bytes: number): Buffer;
  /** A whole-file digest state for these algorithms. */
  open(whole: readonly HashAlgorithm[]): DigestStream;
}

export interface DigestStream {
  /**
   * Digests of exactly `data` for `perChunk`, and `data.subarray(wholeFrom)` fed to the whole-file
   * digests; calls are applied in call order. `data` (from `allocate`) must not change until it settles.
   */
  hash(data: Buffer, perChunk: readonly HashAlgorithm[], wholeFrom: number): Promise<Digests>;
  /** The whole-file digests; call once. */
  finish(): Promise<Digests>;
  close(): void;
}

/** Hashes on the calling thread with the engine's HasherFactory: nothing to overlap, nothing to start. */
export function inlineDigester(factory: HasherFactory): Digester {
  return {
    offThread: false,
    allocate: (bytes) => Buffer.allocUnsafe(bytes),
    open(whole) {
      const hashers: [HashAlgorithm, Hasher][] = [...new Set(whole)].map((a) => [a, factory(a)]);
      return {
        hash: async (data, perChunk, wholeFrom) => {
          const out: Digests = {};
          for (const a of perChunk) {
            const h = factory(a);
            h.update(data);
            out[a] = h.digest();
          }
          if (wholeFrom < data.length) {
            const piece = data.subarray(wholeFrom);
            for (const [, h] of hashers) h.update(piece);
          }
          return out;
        },
        finish: async () => Object.fromEntries(hashers.map(([a, h]) => [a, h.digest()])) as Digests,
        close: () => undefined,
      };
    },
  };
}
