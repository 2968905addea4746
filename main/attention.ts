// What the desktop shell tells the user outside the window: a notification when a transfer
// finishes or needs attention, whether to keep the machine awake, the tray's status line.
// Pure, fed with consecutive transfer lists.
import type { TransferStateKind, TransferView } from '../app/common/transfer.js';
import { isRunning } from '../app/common/transfer.js';

export interface Notice {
  title: string;
  body: string;
}

export class AttentionTracker {
  private last = new Map<string, TransferStateKind>();
  private primed = false;

  /** Notices for transitions since the last call. The first call only learns (no flood at start-up). */
  next(views: readonly TransferView[]): Notice[] {
    const out: Notice[] = [];
    const now = new Map<string, TransferStateKind>();
    for (const v of views) {
      now.set(v.id, v.state.kind);
      const before = this.last.get(v.id);
      if (!this.primed || before === v.state.kind) continue;
      if (v.state.kind === 'done') out.push({ title: 'Upload finished', body: `${v.name} → ${v.remotePath}` });
      if (v.state.kind === 'failed') out.push({ title: 'Upload needs attention', body: `${v.name}: ${v.state.error.message}` });
    }
    this.last = now;
    this.primed = true;
    // Many files finishing together make one notice, not a flood.
    if (out.length > 3) {
      const failed = out.filter((n) => n.title !== 'Upload finished').length;
      return [{ title: failed ? 'Uploads need attention' : 'Uploads finished', body: `${out.length - failed} finished, ${failed} failed` }];
    }
    return out;
  }
}

/** Keep the system from suspending while bytes are moving (not while merely paused or waiting long). */
export function shouldBlockSleep(views: readonly TransferView[]): boolean {
  return views.some((v) => v.state.kind === 'uploading' || v.state.kind === 'preparing' || v.state.kind === 'finishing' || v.state.kind === 'queued');
}

export function trayStatus(views: readonly TransferView[]): string {
  const active = views.filter((v) => isRunning(v.state)).length;
  const paused = views.filter((v) => v.state.kind === 'paused').length;
  const failed = views.filter((v) => v.state.kind === 'failed').length;
  const parts = [active ? `${active} uploading` : 'Idle'];
  if (paused) parts.push(`${paused} paused`);
  if (failed) parts.push(`${failed} failed`);
  return parts.join(' · ');
}
