// Whole-file digests fed from the chunks as they are read, through a Digester (possibly off the
// main thread), plus each chunk's own digests in the same call. Bytes enter the whole-file
// digests in file order; a chunk that starts beyond what was hashed (a resume, or parts the
// server already holds) first has the gap read from disk, and bytes hashed already (a resend, a
// discarded read-ahead) are skipped, so each byte enters each hash exactly once
// (box-python-sdk #495 double-counted retried parts). Replaces the in-thread HashPipeline.
// Chunk digests already computed before the session (Synapse's part MD5s, pre-digest.ts) are
// taken from that table for the chunk they cover exactly, and not computed again.
import { FerryError } from '../common/errors.js';
import type { Digester, Digests, DigestStream } from './digester.js';
import type { ChunkDigestTable, HashAlgorithm } from './hashing.js';
import type { OpenFile } from './ports.js';
import { knownChunkDigests } from './pre-digest.js';

const GAP_BUFFER = 1 << 20;

export class DigestPipeline {
  private readonly whole: HashAlgorithm[];
  private opened: DigestStream | undefined;
  private hashedUpTo = 0;
  private gapBuf: Buffer | undefined;
  private result: Promise<Digests> | undefined;
  /** Calls run one after another: the whole-file state advances in file order only. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(whole: readonly HashAlgorithm[], private readonly digester: Digester, private readonly file: OpenFile,
    private readonly known: () => ChunkDigestTable | undefined = () => undefined) {
    this.whole = [...new Set(whole)];
  }

  /** True when the whole-file digests need the chunks' bytes. */
  get feeding(): boolean {
    return this.whole.length > 0;
  }

  /** Opened on first use: a transfer that hashes nothing never starts a worker. */
  private get stream(): DigestStream {
    return (this.opened ??= this.digester.open(this.whole));
  }

  /** Digests of the chunk at `offset` already known from the preparing pass (Synapse part MD5s). */
  knownDigests(offset: number, length: number, perChunk: readonly HashAlgorithm[]): Digests {
    return knownChunkDigests(this.known(), offset, length, perChunk);
  }

  /** Digests of `data` (the file's bytes from `offset`) for `perChunk`; feeds the whole-file digests with what they lack of it. */
  hashChunk(data: Buffer, offset: number, perChunk: readonly HashAlgorithm[]): Promise<Digests> {
    return this.serial(async () => {
      const feeding = this.whole.length > 0;
      if (feeding && offset > this.hashedUpTo) await this.catchUp(offset);
      const end = offset + data.length;
      const wholeFrom = feeding && end > this.hashedUpTo ? this.hashedUpTo - offset : data.length;
      const known = knownChunkDigests(this.known(), offset, data.length, perChunk);
      const missing = perChunk.filter((a) => known[a] === undefined);
      if (missing.length === 0 && wholeFrom === data.length) return known;
      const out = await this.stream.hash(data, missing, wholeFrom);
      if (feeding && end > this.hashedUpTo) this.hashedUpTo = end;
      return { ...known, ...out };
    });
  }

  /** The whole-file digests; computed once, so a finish that is retried gets the same ones. */
  digests(size: number): Promise<Digests> {
    this.result ??= this.serial(async () => {
      if (this.whole.length === 0) return {};
      await this.catchUp(size);
      return this.stream.finish();
    });
    const r = this.result;
    // A failed attempt (file got shorter) may be asked again and must fail the same way, not reuse a half state.
    r.catch(() => { if (this.result === r) this.result = undefined; });
    return r;
  }

  close(): void {
    this.opened?.close();
  }

  /** Reads and hashes [hashedUpTo, until) from disk. */
  private async catchUp(until: number): Promise<void> {
    this.gapBuf ??= this.digester.allocate(GAP_BUFFER);
    while (this.hashedUpTo < until) {
      const len = Math.min(GAP_BUFFER, until - this.hashedUpTo);
      const n = await this.file.read(this.gapBuf, len, this.hashedUpTo);
      if (n < len) throw new FerryError('file-short', `${this.file.path} is shorter than when the upload started`, { file: this.file.path, offset: this.hashedUpTo + n });
      await this.stream.hash(this.gapBuf.subarray(0, n), [], 0);
      this.hashedUpTo += n;
    }
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.tail.then(f, f);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
