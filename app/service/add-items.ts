// Queueing the files an add expanded to. The engine adds a batch in order and stops at the first
// file it cannot open (deleted since the walk, made unreadable), keeping those before it queued.
// Answering only the error would hide that half the folder is on its way; so after a failure
// each file is added on its own (one already queued comes back as it is, never twice) and the
// answer names exactly what was added and what was left out, with the reason.
import type { SkippedPath } from '../common/api.js';
import { toErrorInfo } from '../common/errors.js';
import type { TransferView } from '../common/transfer.js';
import type { AddItem, Engine } from '../engine/engine-api.js';

export async function addItems(engine: Engine, targetId: string, items: AddItem[]): Promise<{ added: TransferView[]; skipped: SkippedPath[] }> {
  try {
    return { added: await engine.add({ targetId, items }), skipped: [] };
  } catch (first) {
    const added: TransferView[] = [];
    const skipped: SkippedPath[] = [];
    for (const item of items) {
      try {
        added.push(...(await engine.add({ targetId, items: [item] })));
      } catch (e) {
        skipped.push({ path: item.localPath, reason: toErrorInfo(e).message });
      }
    }
    // Nothing could be added (the target is gone, the queue refused): the error is the answer.
    if (added.length === 0) throw first;
    return { added, skipped };
  }
}
