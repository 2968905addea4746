// Fault row 20: a kill between a session's creation and its record. The server may then hold a
// session the journal does not name. The journal first records the intent to create one (when,
// never a URL: nothing secret exists yet), so a restart knows a session may have been made and
// not recorded. tus, Box, Graph, UCloud and Redivis reach a session only through the URL or id
// their create answered and cannot list them, so such an orphan cannot be found to be deleted; it
// never gets a byte (its URL was never kept) and the server lets it expire, while the transfer
// goes on with one new session, the only one Ferry writes to. Synapse answers the same start
// request with the same upload, so there the restart resumes it (crash-after-create.test.ts).
import type { JournalRecord } from './journal.js';
import type { Session, UploadJob } from './provider.js';
import type { RunnerDeps } from './runner-deps.js';

/** `provider.create`, bracketed by the journal's intent record. `persist` writes `rec` now. */
export async function createRecorded(rec: JournalRecord, d: Pick<RunnerDeps, 'provider' | 'clock' | 'log'>, job: UploadJob, signal: AbortSignal, persist: () => Promise<void>): Promise<Session> {
  if (rec.creating !== undefined) {
    d.log.warn('an earlier request to create an upload session has no recorded answer (Ferry stopped, or the answer was lost); if the server made that session and does not give it back now, it gets no bytes and expires on the server (its address was never kept, and upload sessions cannot be listed to delete it)', {
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
