// The rows the window shows, folded from `transfers:changed` deltas. The order of each tab is
// rebuilt only when membership changes (a row added, removed, or moved between queue and
// history); a plain progress update touches the map and nothing else, which keeps an update of
// 10,000 rows well inside one frame.
import type { TransfersDelta } from '../app/common/api.js';
import type { TransferView } from '../app/common/transfer.js';
import { applyDelta } from '../app/common/transfer-delta.js';
import { tabOf, type Tab, type Totals } from './format.js';

export class TransferStore {
  readonly rows = new Map<string, TransferView>();
  private order: Record<Tab, string[]> = { queue: [], history: [] };
  private stale = true;
  /** Bumped on every applied delta, so views can skip work when nothing changed. */
  version = 0;

  apply(d: TransfersDelta): void {
    if (d.reset || d.remove.length > 0) this.stale = true;
    if (!this.stale) {
      for (const v of d.upsert) {
        const before = this.rows.get(v.id);
        if (!before || tabOf(before) !== tabOf(v)) {
          this.stale = true;
          break;
        }
      }
    }
    applyDelta(this.rows, d);
    this.version++;
  }

  /** Ids of a tab: the queue oldest first (upload order), the history newest first. */
  ids(tab: Tab): string[] {
    if (this.stale) {
      const queue: TransferView[] = [];
      const history: TransferView[] = [];
      for (const v of this.rows.values()) (tabOf(v) === 'queue' ? queue : history).push(v);
      const byAge = (a: TransferView, b: TransferView) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      queue.sort(byAge);
      history.sort((a, b) => -byAge(a, b));
      this.order = { queue: queue.map((v) => v.id), history: history.map((v) => v.id) };
      this.stale = false;
    }
    return this.order[tab];
  }

  /** Totals for the header and the overall progress bar. */
  totals(): Totals {
    const t: Totals = { active: 0, uploading: 0, waiting: 0, paused: 0, failed: 0, speed: 0, bytes: 0, sent: 0, left: 0 };
    for (const v of this.rows.values()) {
      const k = v.state.kind;
      if (tabOf(v) !== 'queue') continue;
      if (k === 'failed') {
        t.failed++;
        continue;
      }
      t.bytes += v.size;
      t.sent += Math.min(v.size, v.transferred);
      if (k === 'paused') {
        t.paused++;
        continue;
      }
      t.active++;
      t.left += Math.max(0, v.size - v.transferred);
      if (k === 'uploading') {
        t.uploading++;
        t.speed += v.speed;
      }
      if (k === 'waiting') t.waiting++;
    }
    return t;
  }

  /** Ids of the failed rows (for "Retry all"). */
  failedIds(): string[] {
    return [...this.rows.values()].filter((v) => v.state.kind === 'failed').map((v) => v.id);
  }

  /** Whether any row counts down (a waiting row's "retrying in Ns" must tick). */
  anyWaiting(): boolean {
    for (const v of this.rows.values()) if (v.state.kind === 'waiting') return true;
    return false;
  }
}
