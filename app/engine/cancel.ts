// Cancelling a session on the server: a few quick attempts; when the server cannot be reached
// the cancel is remembered (a cancelled state with deletePending) and retried at the next start.
import { FerryError } from '../common/errors.js';
import type { JournalRecord } from './journal.js';
import type { Clock } from './ports.js';
import type { Provider, UploadJob } from './provider.js';
import type { RetryConfig } from './retry-policy.js';

export async function cancelSession(p: Provider, rec: JournalRecord, clock: Clock, retry: RetryConfig): Promise<{ deleted: boolean; note?: string }> {
  const s = rec.session!;
  const job: UploadJob = {
    file: { path: rec.localPath, name: rec.remotePath.split('/').pop() ?? '', size: rec.fingerprint.size, mtimeMs: 0 },
    target: { remotePath: rec.remotePath, conflict: rec.conflict },
    chunkSize: s.chunkSize,
    digests: rec.digests ?? {},
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const out = await p.cancel({ ref: s.ref, chunkSize: s.chunkSize }, job, AbortSignal.timeout(30_000));
      return out.deleted ? { deleted: true } : { deleted: false, note: out.why };
    } catch (e) {
      const code = e instanceof FerryError ? e.code : 'internal';
      // A session the server already forgot is as deleted as it gets.
      if (code === 'session-gone') return { deleted: true };
      const transient = code === 'network' || code === 'stalled' || code === 'server-error' || code === 'rate-limited';
      if (!transient) return { deleted: false, note: (e as Error).message };
      if (attempt >= 2) return { deleted: false, note: 'offline' };
      await clock.sleep(Math.min(retry.baseMs * 2 ** attempt, 4_000));
    }
  }
}
