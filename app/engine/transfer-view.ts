// What the shells see of one transfer, and the throttled change notifications that carry it.
import type { TransferView } from '../common/transfer.js';
import type { Entry } from './transfer-table.js';

/** Engine-wide waits every running transfer is subject to. */
export interface SharedWaits {
  /** After a 429 every transfer holds back until then. */
  throttledUntil?: number;
  /** A closed upload window opens then (Infinity: not until the limit is changed). */
  windowUntil?: number;
}

/** The view of one transfer at `now` (speed only while it runs). */
export function viewOf(e: Entry, now: number, shared: SharedWaits = {}): TransferView {
  const { rec } = e;
  const wait = waitOf(e, now, shared);
  return {
    id: rec.id,
    name: rec.remotePath.split('/').pop() ?? rec.localPath,
    localPath: rec.localPath,
    targetId: rec.targetId,
    remotePath: rec.state.kind === 'done' ? rec.state.remotePath : rec.remotePath,
    provider: rec.provider,
    size: rec.fingerprint.size,
    state: rec.state,
    transferred: rec.state.kind === 'done' ? rec.fingerprint.size : e.transferred,
    speed: e.run ? e.meter.rate(now) : 0,
    ...(wait ? { waitingFor: wait.reason, ...(Number.isFinite(wait.until) ? { waitingUntil: wait.until } : {}) } : {}),
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
  };
}

/** The longest known wait ahead of a transfer: its own backoff, or one all running transfers share. */
function waitOf(e: Entry, now: number, w: SharedWaits): { until: number; reason: NonNullable<TransferView['waitingFor']> } | undefined {
  const s = e.rec.state;
  let best = s.kind === 'waiting' ? { until: s.until, reason: s.reason as NonNullable<TransferView['waitingFor']> } : undefined;
  if (!e.run || !(s.kind === 'uploading' || s.kind === 'waiting' || s.kind === 'queued')) return best;
  if (w.throttledUntil !== undefined && w.throttledUntil > now && (!best || w.throttledUntil > best.until)) best = { until: w.throttledUntil, reason: 'throttled' };
  if (w.windowUntil !== undefined && (!best || w.windowUntil > best.until)) best = { until: w.windowUntil, reason: 'window' };
  return best;
}

/** Listeners get the full list at most every `ms`: a chunk loop reporting bytes must not flood a UI. */
export class ChangeNotifier {
  private readonly listeners = new Set<(v: TransferView[]) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly list: () => TransferView[], private readonly ms: number) {}

  onChange(l: (v: TransferView[]) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  notify(): void {
    if (this.timer || this.listeners.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const list = this.list();
      for (const l of this.listeners) l(list);
    }, this.ms);
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
