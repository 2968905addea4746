// Whole-file digests computed in the same pass as reading chunks. Bytes are fed in file order;
// a chunk that starts beyond what was hashed (a resume, or parts the server already holds)
// first has the gap read from disk, and bytes hashed already (a resend) are skipped, so each
// byte enters each hash exactly once (box-python-sdk #495 double-counted retried parts).
import type { HashAlgorithm, Hasher, HasherFactory } from './hashing.js';
import type { OpenFile } from './ports.js';
import { FerryError } from '../common/errors.js';

const GAP_BUFFER = 1 << 20;

export class HashPipeline {
  private readonly hashers: [HashAlgorithm, Hasher][];
  private hashedUpTo = 0;
  private gapBuf: Buffer | undefined;
  private result: Partial<Record<HashAlgorithm, string>> | undefined;

  constructor(algorithms: readonly HashAlgorithm[], factory: HasherFactory, private readonly file: OpenFile) {
    this.hashers = [...new Set(algorithms)].map((a) => [a, factory(a)]);
  }

  get empty(): boolean {
    return this.hashers.length === 0;
  }

  /** Feeds `data`, which holds the file's bytes from `offset`. */
  async feed(data: Buffer, offset: number): Promise<void> {
    if (this.empty) return;
    if (offset > this.hashedUpTo) await this.catchUp(offset);
    const end = offset + data.length;
    if (end <= this.hashedUpTo) return;
    const piece = data.subarray(this.hashedUpTo - offset);
    for (const [, h] of this.hashers) h.update(piece);
    this.hashedUpTo = end;
  }

  /** Reads and hashes [hashedUpTo, until) from disk. */
  async catchUp(until: number): Promise<void> {
    if (this.empty) return;
    this.gapBuf ??= Buffer.allocUnsafe(GAP_BUFFER);
    while (this.hashedUpTo < until) {
      const len = Math.min(GAP_BUFFER, until - this.hashedUpTo);
      const n = await this.file.read(this.gapBuf, len, this.hashedUpTo);
      if (n < len) throw new FerryError('file-short', `${this.file.path} is shorter than when the upload started`, { file: this.file.path, offset: this.hashedUpTo + n });
      const piece = this.gapBuf.subarray(0, n);
      for (const [, h] of this.hashers) h.update(piece);
      this.hashedUpTo += n;
    }
  }

  /** The whole-file digests; computed once, so a finish that is retried gets the same ones (a hash can be finalised only once). */
  async digests(size: number): Promise<Partial<Record<HashAlgorithm, string>>> {
    if (this.result) return this.result;
    await this.catchUp(size);
    const out: Partial<Record<HashAlgorithm, string>> = {};
    for (const [a, h] of this.hashers) out[a] = h.digest();
    this.result = out;
    return out;
  }
}
