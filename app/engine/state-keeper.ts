// The one owner of transfer state: every change is an event through the pure `transition`, and
// every save goes through here, so a failed write (a full disk) becomes the transfer's failure.
import { toErrorInfo } from '../common/errors.js';
import { isSettled, type TransferView } from '../common/transfer.js';
import { journalWriteError, type Journal } from './journal.js';
import type { Clock, Logger } from './ports.js';
import { refSecrets, scrubError } from './scrub.js';
import type { Entry } from './transfer-table.js';
import { transition, type TransferEvent } from './transition.js';

export interface StateKeeperDeps {
  journal: Journal;
  clock: Clock;
  log: Logger;
  /** Secrets no error text may quote (account tokens). */
  secrets: ReadonlySet<string>;
  view(e: Entry): TransferView;
  changed(): void;
}

export const STOP = { pause: 'pause', shutdown: 'shutdown', cancel: 'cancel' } as const;

export class StateKeeper {
  constructor(private readonly d: StateKeeperDeps) {}

  apply(e: Entry, event: TransferEvent): void {
    const ev = 'error' in event ? { ...event, error: scrubError(event.error, [...this.d.secrets, ...refSecrets(e.rec.session?.ref)]) } : event;
    const before = e.rec.state;
    e.rec.state = transition(before, ev);
    if (e.rec.state !== before) e.rec.updatedAt = this.d.clock.now();
    if (isSettled(e.rec.state)) {
      const v = this.d.view(e);
      for (const w of e.waiters.splice(0)) w(v);
    }
    this.d.changed();
  }

  /** Writes the record; false when that failed (already logged and applied). */
  async save(e: Entry): Promise<boolean> {
    try {
      await this.d.journal.put(e.rec);
      return true;
    } catch (err) {
      // A full disk must not lose the upload: the previous record stays valid on disk.
      this.d.log.error('could not save transfer state', { transfer: e.rec.id, error: (err as Error).message });
      if (e.run) e.run.controller.abort(STOP.pause);
      this.apply(e, { type: 'fail', error: toErrorInfo(journalWriteError(err, e.rec.localPath)) });
      return false;
    }
  }
}
