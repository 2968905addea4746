// Whole-file digests a provider needs before it will open a session (Synapse's MD5): one read of
// the file, reported as the 'preparing' state's hashed bytes.
import { FerryError } from '../common/errors.js';
import type { HashAlgorithm, HasherFactory } from './hashing.js';
import type { JournalRecord } from './journal.js';
import type { Clock, OpenFile } from './ports.js';
import type { TransferEvent } from './transition.js';

export interface PreDigestDeps {
  hashers: HasherFactory;
  clock: Clock;
  emit(e: TransferEvent): void;
  /** Throws when the run was stopped (pause, cancel, shutdown). */
  checkAborted(): void;
}

export async function digestWholeFile(file: OpenFile, rec: JournalRecord, algorithms: HashAlgorithm[], d: PreDigestDeps): Promise<Partial<Record<HashAlgorithm, string>>> {
  d.emit({ type: 'prepare', hashed: 0 });
  const hashers = algorithms.map((a) => [a, d.hashers(a)] as const);
  const buf = Buffer.allocUnsafe(4 << 20);
  let pos = 0;
  let lastEmit = 0;
  while (pos < rec.fingerprint.size) {
    d.checkAborted();
    const n = await file.read(buf, Math.min(buf.length, rec.fingerprint.size - pos), pos);
    if (n === 0) throw new FerryError('file-short', `${rec.localPath} got shorter while being checksummed`, { file: rec.localPath });
    for (const [, h] of hashers) h.update(buf.subarray(0, n));
    pos += n;
    // A few reports a second are enough for a progress bar.
    if (d.clock.now() - lastEmit > 100) {
      lastEmit = d.clock.now();
      d.emit({ type: 'prepare', hashed: pos });
    }
  }
  const out: Partial<Record<HashAlgorithm, string>> = {};
  for (const [a, h] of hashers) out[a] = h.digest();
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
  const got = await digestWholeFile(file, rec, [reported], { ...d, emit: () => undefined });
  return { ...have, ...got };
}
