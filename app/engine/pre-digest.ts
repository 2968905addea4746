// Whole-file digests a provider needs before it will open a session (Synapse's MD5): one read of
// the file, reported as the 'preparing' state's hashed bytes. When the provider also fixes its
// chunk size before the session (Synapse's part size), the same read computes every chunk's own
// digests (Synapse's part MD5s for addPart), on the digester's thread while this one does the
// whole-file digest: the upload pass then sends parts without hashing a byte.
import { FerryError } from '../common/errors.js';
import { inlineDigester, type Digester, type Digests, type DigestStream } from './digester.js';
import type { ChunkDigestTable, HashAlgorithm, HasherFactory } from './hashing.js';
import type { JournalRecord } from './journal.js';
import type { Clock, OpenFile } from './ports.js';
import type { TransferEvent } from './transition.js';

export interface PreDigestDeps {
  hashers: HasherFactory;
  clock: Clock;
  emit(e: TransferEvent): void;
  /** Throws when the run was stopped (pause, cancel, shutdown). */
  checkAborted(): void;
  /** Where the per-chunk digests are computed (off this thread when it can); in-thread with `hashers` when absent. */
  digester?: Digester;
}

/** Chunk digests to compute in the same pass: the chunk size and the algorithms. */
export interface ChunkPlan {
  chunkSize: number;
  algorithms: readonly HashAlgorithm[];
}

/**
 * Chunk digests are kept in the journal up to this many chunks (32 KiB of hex for MD5; 8 GiB at
 * Synapse's default 8 MiB parts). An unordered upload writes its record after every part, so a
 * table of n chunks costs n × its size in journal writes: 32 MiB over an 8 GiB upload here, but
 * 3.2 GB of JSON and SHA-256 at Synapse's 10,000 parts, more CPU than the MD5s it would save.
 * Above it they live in memory only, and a resume after a restart hashes the parts it still sends.
 */
export const MAX_JOURNAL_CHUNK_DIGESTS = 1024;

const BUFFER = 4 << 20;

export async function digestWholeFile(file: OpenFile, rec: JournalRecord, algorithms: HashAlgorithm[], d: PreDigestDeps): Promise<Partial<Record<HashAlgorithm, string>>> {
  return (await digestBeforeSession(file, rec, algorithms, undefined, d)).whole;
}

/** The whole-file digests and, with a plan, each chunk's digests, from one read of the file. */
export async function digestBeforeSession(file: OpenFile, rec: JournalRecord, algorithms: HashAlgorithm[], plan: ChunkPlan | undefined, d: PreDigestDeps): Promise<{ whole: Digests; chunks?: ChunkDigestTable }> {
  d.emit({ type: 'prepare', hashed: 0 });
  const size = rec.fingerprint.size;
  const hashers = algorithms.map((a) => [a, d.hashers(a)] as const);
  const chunks = plan && plan.algorithms.length > 0 && plan.chunkSize > 0 ? new ChunkHashing(plan, size, d.digester ?? inlineDigester(d.hashers)) : undefined;
  const buf = chunks ? chunks.digester.allocate(BUFFER) : Buffer.allocUnsafe(BUFFER);
  let pos = 0;
  let lastEmit = 0;
  try {
    while (pos < size) {
      d.checkAborted();
      const n = await file.read(buf, Math.min(buf.length, size - pos), pos);
      if (n === 0) throw new FerryError('file-short', `${rec.localPath} got shorter while being checksummed`, { file: rec.localPath });
      const data = buf.subarray(0, n);
      // The chunk digests run on the digester's thread while this one feeds the whole-file ones.
      const pending = chunks?.feed(data, pos);
      for (const [, h] of hashers) h.update(data);
      await pending;
      pos += n;
      // A few reports a second are enough for a progress bar.
      if (d.clock.now() - lastEmit > 100) {
        lastEmit = d.clock.now();
        d.emit({ type: 'prepare', hashed: pos });
      }
    }
  } finally {
    chunks?.close();
  }
  const whole: Digests = {};
  for (const [a, h] of hashers) whole[a] = h.digest();
  return { whole, ...(chunks ? { chunks: chunks.table() } : {}) };
}

/** Whether a chunk table is small enough to go in the journal (see MAX_JOURNAL_CHUNK_DIGESTS). */
export function journalable(t: ChunkDigestTable | undefined): t is ChunkDigestTable {
  return t !== undefined && Math.ceil(t.size / t.chunkSize) <= MAX_JOURNAL_CHUNK_DIGESTS;
}

/** The digests of chunk [offset, offset + length) the table holds for these algorithms, if it covers exactly that chunk. */
export function knownChunkDigests(t: ChunkDigestTable | undefined, offset: number, length: number, algorithms: readonly HashAlgorithm[]): Digests {
  const out: Digests = {};
  if (!t || offset % t.chunkSize !== 0 || length !== Math.min(t.chunkSize, t.size - offset)) return out;
  const i = offset / t.chunkSize;
  for (const a of algorithms) {
    const v = t.digests[a]?.[i];
    if (v) out[a] = v;
  }
  return out;
}

/**
 * The server reported a digest the engine did not compute while sending (Redivis: an MD5 only,
 * when the storage session gave no CRC32C): one more read of the file for it, so the result is
 * still compared rather than left unverified. Rare by design; the usual digests are computed in
 * the upload's own pass.
 */
export async function digestReported(file: OpenFile, rec: JournalRecord, reported: HashAlgorithm | undefined, have: Partial<Record<HashAlgorithm, string>>, d: Omit<PreDigestDeps, 'emit'>): Promise<Partial<Record<HashAlgorithm, string>>> {
  if (reported === undefined || have[reported] !== undefined) return have;
  try {
    return { ...have, ...(await digestWholeFile(file, rec, [reported], { ...d, emit: () => undefined })) };
  } catch {
    // The server holds the upload already: a file that cannot be read again now (shorter, gone,
    // unreadable) leaves it done but unverified, never cancelled. A stop (pause, cancel) still stops.
    d.checkAborted();
    return have;
  }
}

/** One digest stream per chunk, fed the pieces of each read that fall in it, finished at its last byte. */
class ChunkHashing {
  private current: DigestStream | undefined;
  private readonly results: Digests[] = [];
  private readonly open = new Set<DigestStream>();

  constructor(private readonly plan: ChunkPlan, private readonly size: number, readonly digester: Digester) {}

  /** Hashes `data` (the file's bytes from `pos`); resolves when the digester is done with the buffer. */
  feed(data: Buffer, pos: number): Promise<unknown> {
    const cs = this.plan.chunkSize;
    const calls: Promise<unknown>[] = [];
    for (let off = 0; off < data.length;) {
      const at = pos + off;
      const index = Math.floor(at / cs);
      const end = Math.min((index + 1) * cs, this.size);
      const take = Math.min(data.length - off, end - at);
      const s = (this.current ??= this.start());
      calls.push(s.hash(data.subarray(off, off + take), [], 0));
      if (at + take === end) {
        this.current = undefined;
        // Closed only once finished: the stream's calls are still on their way to the worker.
        calls.push(s.finish().then((dg) => { this.results[index] = dg; this.open.delete(s); s.close(); }));
      }
      off += take;
    }
    return Promise.all(calls);
  }

  table(): ChunkDigestTable {
    const digests: Partial<Record<HashAlgorithm, string[]>> = {};
    for (const a of this.plan.algorithms) digests[a] = this.results.map((r) => r[a] ?? '');
    return { chunkSize: this.plan.chunkSize, size: this.size, digests };
  }

  close(): void {
    for (const s of this.open) s.close();
    this.open.clear();
  }

  private start(): DigestStream {
    const s = this.digester.open(this.plan.algorithms);
    this.open.add(s);
    return s;
  }
}
