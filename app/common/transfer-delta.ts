// The engine reports the full list on every change; a window with 10,000 rows must not receive
// 10,000 rows four times a second. The shells diff consecutive lists into deltas, and the UI
// folds them back into a map. Pure.
import type { TransfersDelta } from './api.js';
import type { TransferView } from './transfer.js';

function same(a: TransferView, b: TransferView): boolean {
  return a === b || (a.updatedAt === b.updatedAt && a.transferred === b.transferred && a.speed === b.speed
    && a.state.kind === b.state.kind && JSON.stringify(a.state) === JSON.stringify(b.state));
}

/** Remembers what a subscriber has seen and answers only what changed since. */
export class DeltaTracker {
  private seen = new Map<string, TransferView>();
  private started = false;

  next(views: readonly TransferView[]): TransfersDelta | undefined {
    const reset = !this.started;
    this.started = true;
    const upsert: TransferView[] = [];
    const now = new Map<string, TransferView>();
    for (const v of views) {
      now.set(v.id, v);
      const before = this.seen.get(v.id);
      if (reset || !before || !same(before, v)) upsert.push(v);
    }
    const remove: string[] = [];
    for (const id of this.seen.keys()) if (!now.has(id)) remove.push(id);
    this.seen = now;
    if (!reset && upsert.length === 0 && remove.length === 0) return undefined;
    return { reset, upsert, remove };
  }
}

/** Applies a delta to a map of rows in place; returns the same map. */
export function applyDelta(rows: Map<string, TransferView>, d: TransfersDelta): Map<string, TransferView> {
  if (d.reset) rows.clear();
  for (const id of d.remove) rows.delete(id);
  for (const v of d.upsert) rows.set(v.id, v);
  return rows;
}
