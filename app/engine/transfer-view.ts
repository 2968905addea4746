// What the shells see of one transfer, and the throttled change notifications that carry it.
import type { TransferView } from '../common/transfer.js';
import type { Entry } from './transfer-table.js';

/** The view of one transfer at `now` (speed only while it runs). */
export function viewOf(e: Entry, now: number): TransferView {
  const { rec } = e;
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
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
  };
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
