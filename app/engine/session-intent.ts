// Fault row 20: a kill between a session's creation and its record. The server may then hold a
// session the journal does not name. The journal first records the intent to create one (when,
// never a URL: nothing secret exists yet), so a restart knows a session may have been made and
// not recorded. No provider lets Ferry list its upload sessions (tus, Box, Graph, UCloud,
// Redivis: only by the URL or id their create answered), so such an orphan cannot be found to be
// deleted; it never gets a byte (its URL was never kept) and the server lets it expire, while the
// transfer goes on with one new session, the only one Ferry writes to.
import type { JournalRecord } from './journal.js';
import type { Session, UploadJob } from './provider.js';
import type { RunnerDeps } from './runner-deps.js';

/** `provider.create`, bracketed by the journal's intent record. `persist` writes `rec` now. */
export async function createRecorded(rec: JournalRecord, d: Pick<RunnerDeps, 'provider' | 'clock' | 'log'>, job: UploadJob, signal: AbortSignal, persist: () => Promise<void>): Promise<Session> {
  if (rec.creating !== undefined) {
    d.log.warn('an earlier request to create an upload session has no recorded answer (Ferry stopped, or the answer was lost); if the server made that session it receives no bytes and expires there, as the provider cannot list sessions to delete it', {
      transfer: rec.id, provider: rec.provider, since: new Date(rec.creating.at).toISOString(),
    });
  }
  rec.creating = { at: d.clock.now() };
  await persist();
  const session = await d.provider.create(job, signal);
  // Cleared in memory only: the caller's next write records the session in its place.
  delete rec.creating;
  return session;
}
