// A hand-written in-memory Engine for shell and UI tests: transfers move only when a test calls
// `advance`, so every state is reachable on demand and nothing depends on timing.
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { FerryError } from '../../app/common/errors.js';
import type { TransferView } from '../../app/common/transfer.js';
import { isRunning, isSettled } from '../../app/common/transfer.js';
import type { AddRequest, Engine, TargetStore } from '../../app/engine/engine-api.js';

export class FakeEngine implements Engine {
  private readonly views = new Map<string, TransferView>();
  private readonly listeners = new Set<(v: TransferView[]) => void>();
  private readonly waiters = new Map<string, ((v: TransferView) => void)[]>();
  private seq = 0;
  readonly calls: string[] = [];
  started = false;
  stopped = false;

  constructor(private readonly targets?: TargetStore, private readonly clock: () => number = Date.now) {}

  async add(req: AddRequest): Promise<TransferView[]> {
    this.calls.push(`add:${req.items.length}`);
    const target = this.targets ? await this.targets.get(req.targetId) : { id: req.targetId, provider: 'tus' as const };
    if (!target) throw new FerryError('bad-input', `no target with id ${req.targetId}`);
    const out: TransferView[] = [];
    for (const item of req.items) {
      const st = await fsp.stat(item.localPath).catch(() => undefined);
      if (!st) throw new FerryError('file-missing', `${item.localPath}: no such file`, { file: item.localPath });
      if (!st.isFile()) throw new FerryError('file-not-regular', `${item.localPath}: not a regular file`, { file: item.localPath });
      const now = this.clock();
      const v: TransferView = {
        id: `t${++this.seq}`, name: basename(item.localPath), localPath: item.localPath, targetId: req.targetId,
        remotePath: item.remotePath, provider: target.provider, size: st.size, state: { kind: 'queued' },
        transferred: 0, speed: 0, createdAt: now, updatedAt: now,
      };
      this.views.set(v.id, v);
      out.push(v);
    }
    this.emit();
    return out;
  }

  /** Test control: put a transfer into any state with any progress. */
  set(id: string, patch: Partial<TransferView>): void {
    const v = this.must(id);
    const next = { ...v, ...patch, updatedAt: this.clock() };
    this.views.set(id, next);
    if (isSettled(next.state)) for (const w of this.waiters.get(id) ?? []) w(next);
    this.emit();
  }

  /** Test control: move every uploading/queued transfer forward by `bytes`, finishing those that reach their size. */
  advance(bytes: number): void {
    for (const v of this.views.values()) {
      if (v.state.kind !== 'queued' && v.state.kind !== 'uploading') continue;
      const transferred = Math.min(v.size, v.transferred + bytes);
      this.set(v.id, transferred >= v.size
        ? { transferred, speed: 0, state: { kind: 'done', remotePath: v.remotePath, verified: true } }
        : { transferred, speed: bytes, state: { kind: 'uploading', offset: transferred } });
    }
  }

  async pause(id: string): Promise<void> {
    this.calls.push(`pause:${id}`);
    const v = this.must(id);
    if (isRunning(v.state)) this.set(id, { state: { kind: 'paused', offset: v.transferred }, speed: 0 });
  }
  async resume(id: string): Promise<void> {
    this.calls.push(`resume:${id}`);
    const v = this.must(id);
    if (v.state.kind === 'paused') this.set(id, { state: { kind: 'uploading', offset: v.transferred } });
  }
  async cancel(id: string): Promise<void> {
    this.calls.push(`cancel:${id}`);
    this.set(id, { state: { kind: 'cancelled', sessionDeleted: true }, speed: 0 });
  }
  async retry(id: string): Promise<void> {
    this.calls.push(`retry:${id}`);
    const v = this.must(id);
    if (v.state.kind !== 'failed') throw new FerryError('bad-input', `${v.name} has not failed, nothing to retry`);
    this.set(id, { state: { kind: 'queued' } });
  }
  async pauseAll(): Promise<void> {
    this.calls.push('pauseAll');
    for (const v of [...this.views.values()]) if (isRunning(v.state)) await this.pause(v.id);
  }
  async resumeAll(): Promise<void> {
    this.calls.push('resumeAll');
    for (const v of [...this.views.values()]) if (v.state.kind === 'paused') await this.resume(v.id);
  }
  async clearFinished(): Promise<void> {
    this.calls.push('clearFinished');
    for (const v of [...this.views.values()]) if (v.state.kind === 'done' || v.state.kind === 'cancelled') this.views.delete(v.id);
    this.emit();
  }
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
    const v = this.must(id);
    if (isSettled(v.state)) return Promise.resolve(v);
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }
  async start(): Promise<void> {
    this.started = true;
  }
  async shutdown(): Promise<void> {
    this.stopped = true;
  }

  private must(id: string): TransferView {
    const v = this.views.get(id);
    if (!v) throw new FerryError('bad-input', `no transfer with id ${id}`);
    return v;
  }
  private emit(): void {
    const list = this.list();
    for (const l of this.listeners) l(list);
  }
}

/** An in-memory TargetStore. */
export class MemoryTargetStore implements TargetStore {
  private readonly items = new Map<string, import('../../app/engine/engine-api.js').TargetConfig>();
  async list() { return [...this.items.values()]; }
  async get(id: string) { return this.items.get(id); }
  async put(t: import('../../app/engine/engine-api.js').TargetConfig) { this.items.set(t.id, t); }
  async remove(id: string) { this.items.delete(id); }
}
