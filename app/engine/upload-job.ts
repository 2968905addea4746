// Pure pieces of one upload run: the job a provider is given, the verdict on the server's
// digest, and how a chunk outcome reads as server state, failure text and waiting reason.
import { FerryError, toErrorInfo, type ErrorInfo } from '../common/errors.js';
import type { WaitReason } from '../common/transfer.js';
import { chooseChunkSize } from './chunk-plan.js';
import { checkStillThere } from './file-identity.js';
import type { HashAlgorithm } from './hashing.js';
import type { JournalRecord } from './journal.js';
import type { OpenFile } from './ports.js';
import type { ChunkRules, Provider, RemoteFile, ServerState, UploadJob } from './provider.js';

export type RunOutcome =
  | { kind: 'done'; remote: RemoteFile; verified: boolean }
  | { kind: 'failed'; error: ErrorInfo }
  | { kind: 'aborted' };

export function jobFor(rec: JournalRecord, rules: ChunkRules): UploadJob {
  const name = rec.remotePath.split('/').pop() || rec.localPath.split(/[\\/]/).pop() || 'file';
  return {
    file: { path: rec.localPath, name, size: rec.fingerprint.size, mtimeMs: Number(BigInt(rec.fingerprint.mtimeNs) / 1_000_000n) },
    target: { remotePath: rec.remotePath, conflict: rec.conflict },
    chunkSize: chooseChunkSize(rules, rec.chunkSize),
    digests: rec.digests ?? {},
  };
}

/** Done, verified when the server reported a digest we computed too; failed when they differ. */
export function verifyRemote(localPath: string, remote: RemoteFile, digests: Partial<Record<HashAlgorithm, string>>): RunOutcome {
  const h = remote.hash;
  if (!h) return { kind: 'done', remote, verified: false };
  const local = digests[h.algorithm];
  if (local === undefined) return { kind: 'done', remote, verified: false };
  const same = h.algorithm === 'quickxor' ? local === h.value : local.toLowerCase() === h.value.toLowerCase();
  if (!same) {
    return {
      kind: 'failed',
      error: { code: 'integrity', message: `${localPath}: the server's ${h.algorithm} (${h.value}) differs from the local file's (${local}); the upload is not trusted` },
    };
  }
  return { kind: 'done', remote, verified: true };
}

/** The server state after it took chunk `index` ending at `end`, when its response did not say. */
export function advance(st: ServerState, index: number, end: number): ServerState {
  if (st.kind === 'parts') return { kind: 'parts', have: [...st.have, index] };
  return { kind: 'offset', offset: end };
}

export function failure(e: unknown, why: string): ErrorInfo {
  const info = toErrorInfo(e);
  return why === 'not retryable' ? info : { ...info, message: `${info.message} (${why})` };
}

export function waitReason(e: unknown, reason: 'backoff' | 'throttled' | 'sign-in'): WaitReason {
  if (reason !== 'backoff') return reason;
  return e instanceof FerryError && e.code === 'network' ? 'offline' : 'backoff';
}

/** Whole-file digests to compute while reading: those needed at finish and the integrity one, unless known. */
export function wholeFileAlgorithms(p: Provider, rec: JournalRecord): HashAlgorithm[] {
  const want = [...(p.needsAtFinish ?? []), ...(p.integrity ? [p.integrity] : [])];
  return want.filter((a) => rec.digests?.[a] === undefined);
}

/**
 * Throws file-changed when the file's size or modification time moved since the upload started,
 * and when its path no longer names it (file-identity.ts).
 */
export async function checkUnchanged(file: Pick<OpenFile, 'stat' | 'atPath'>, rec: JournalRecord): Promise<void> {
  const st = await file.stat();
  const fp = rec.fingerprint;
  if (st.size !== fp.size || st.mtimeNs !== fp.mtimeNs) {
    throw new FerryError('file-changed', `${rec.localPath} changed during the upload (${st.size !== fp.size ? 'size' : 'modification time'} differs); stopped before committing, it will need to be uploaded again`, { file: rec.localPath });
  }
  await checkStillThere(file, rec);
}
