// A hand-written Engine for folder-sync unit tests: `add` checks the file like the real engine
// (exists, regular), records each item with the bytes it had when queued, and — in 'auto'
// mode — finishes each transfer on the next turn of the event loop. Tests then assert exactly
// which files were queued, how often, and with what content.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { FerryError } from '../../app/common/errors.js';
import { isSettled, type TransferState, type TransferView } from '../../app/common/transfer.js';
import type { AddItem, AddRequest, Engine } from '../../app/engine/engine-api.js';

export interface RecordedAdd {
  id: string;
  item: AddItem;
  targetId: string;
  /** File content at the moment it was queued. */
  bytes: Buffer;
}

export class RecordingEngine implements Engine {
  readonly added: RecordedAdd[] = [];
  private readonly views = new Map<string, TransferView>();
  private readonly waiters = new Map<string, ((v: TransferView) => void)[]>();
  private readonly listeners = new Set<(v: TransferView[]) => void>();
  private seq = 0;

  /** 'auto': every transfer completes by itself; 'manual': the test calls finish()/fail(). */
  constructor(private readonly mode: 'auto' | 'manual' = 'auto') {}

  async add(req: AddRequest): Promise<TransferView[]> {
    const out: TransferView[] = [];
    const recs: RecordedAdd[] = [];
    for (const item of req.items) {
      const st = await stat(item.localPath).catch(() => undefined);
      if (!st) throw new FerryError('file-missing', `Cannot upload ${item.localPath}: it does not exist`, { file: item.localPath });
      if (!st.isFile()) throw new FerryError('file-not-regular', `Cannot upload ${item.localPath}: not a regular file`, { file: item.localPath });
      recs.push({ id: `t${++this.seq}`, item, targetId: req.targetId, bytes: await readFile(item.localPath) });
    }
    for (const r of recs) {
      const now = Date.now();
      const view: TransferView = {
        id: r.id, name: basename(r.item.localPath), localPath: r.item.localPath, targetId: req.targetId,
        remotePath: r.item.remotePath, provider: 'tus', size: r.bytes.length, state: { kind: 'queued' },
        transferred: 0, speed: 0, createdAt: now, updatedAt: now,
      };
      this.added.push(r);
      this.views.set(r.id, view);
      out.push(view);
      if (this.mode === 'auto') setImmediate(() => this.finish(r.id));
    }
    return out;
  }

  finish(id: string): void {
    const v = this.views.get(id)!;
    this.settle(id, { kind: 'done', remotePath: v.remotePath, verified: true });
  }

  fail(id: string, message = 'server said no'): void {
    this.settle(id, { kind: 'failed', offset: 0, error: { code: 'rejected', message } });
  }

  /** Remote paths queued so far, in order. */
  remotePaths(): string[] {
    return this.added.map((a) => a.item.remotePath);
  }

  private settle(id: string, state: TransferState): void {
    const v = this.views.get(id);
    if (!v) return;
    const next = { ...v, state, updatedAt: Date.now() };
    this.views.set(id, next);
    for (const w of this.waiters.get(id) ?? []) w(next);
    this.waiters.delete(id);
    for (const l of this.listeners) l(this.list());
  }

  async pause(): Promise<void> {}
  async resume(): Promise<void> {}
  async cancel(id: string): Promise<void> {
    this.settle(id, { kind: 'cancelled', sessionDeleted: true });
  }
  async retry(): Promise<void> {}
  async pauseAll(): Promise<void> {}
  async resumeAll(): Promise<void> {}
  async clearFinished(): Promise<void> {}
  list(): TransferView[] {
    return [...this.views.values()];
  }
  get(id: string): TransferView | undefined {
    return this.views.get(id);
  }
  onChange(listener: (views: TransferView[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  settled(id: string): Promise<TransferView> {
    const v = this.views.get(id);
    if (v && isSettled(v.state)) return Promise.resolve(v);
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }
  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
