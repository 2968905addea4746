// The one hand-written in-memory Engine, for shell, UI and folder-sync tests. `add` checks each
// file like the real engine (exists, regular) and records it with the bytes it had when queued.
// Transfers move only when the test says so (`set`, `advance`, `finish`, `fail`), or, with
// `finish: 'auto'`, each completes by itself on the next turn of the event loop. Nothing depends
// on timing. `calls` lists the commands received, in order.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseBwLimit, type BandwidthInfo } from '../../app/common/bwlimit-schedule.js';
import { FerryError } from '../../app/common/errors.js';
import { isRunning, isSettled, type TransferState, type TransferView } from '../../app/common/transfer.js';
import type { AddItem, AddRequest, Engine, TargetConfig, TargetStore } from '../../app/engine/engine-api.js';

export interface RecordedAdd {
  id: string;
  item: AddItem;
  targetId: string;
  /** File content at the moment it was queued. */
  bytes: Buffer;
}

export interface FakeEngineOptions {
  /** When given, `add` refuses targets it does not hold and takes the provider from them. */
  targets?: TargetStore;
  now?: () => number;
  /** 'auto': every transfer completes by itself; 'manual' (default): the test moves them. */
  finish?: 'auto' | 'manual';
}

export class FakeEngine implements Engine {
  readonly added: RecordedAdd[] = [];
  readonly calls: string[] = [];
  started = false;
  stopped = false;
  private readonly views = new Map<string, TransferView>();
  private readonly listeners = new Set<(v: TransferView[]) => void>();
  private readonly waiters = new Map<string, ((v: TransferView) => void)[]>();
  private seq = 0;
  private readonly now: () => number;

  constructor(private readonly o: FakeEngineOptions = {}) {
    this.now = o.now ?? Date.now;
  }

  async add(req: AddRequest): Promise<TransferView[]> {
    this.calls.push(`add:${req.items.length}`);
    const target = this.o.targets ? await this.o.targets.get(req.targetId) : { id: req.targetId, provider: 'tus' as const };
    if (!target) throw new FerryError('bad-input', `no target with id ${req.targetId}`);
    const recs: RecordedAdd[] = [];
    for (const item of req.items) {
      const st = await stat(item.localPath).catch(() => undefined);
      if (!st) throw new FerryError('file-missing', `Cannot upload ${item.localPath}: it does not exist`, { file: item.localPath });
      if (!st.isFile()) throw new FerryError('file-not-regular', `Cannot upload ${item.localPath}: not a regular file`, { file: item.localPath });
      recs.push({ id: `t${++this.seq}`, item, targetId: req.targetId, bytes: await readFile(item.localPath) });
    }
    const out: TransferView[] = [];
    for (const r of recs) {
      const now = this.now();
      const v: TransferView = {
        id: r.id, name: basename(r.item.localPath), localPath: r.item.localPath, targetId: req.targetId,
        remotePath: r.item.remotePath, provider: target.provider, size: r.bytes.length, state: { kind: 'queued' },
        transferred: 0, speed: 0, createdAt: now, updatedAt: now,
      };
      this.added.push(r);
      this.views.set(v.id, v);
      out.push(v);
      if (this.o.finish === 'auto') setImmediate(() => this.finish(r.id));
    }
    this.emit();
    return out;
  }

  /** Test control: put a transfer into any state with any progress. */
  set(id: string, patch: Partial<TransferView>): void {
    const v = this.views.get(id);
    if (!v) return;
    const next = { ...v, ...patch, updatedAt: this.now() };
    this.views.set(id, next);
    if (isSettled(next.state)) {
      for (const w of this.waiters.get(id) ?? []) w(next);
      this.waiters.delete(id);
    }
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

  finish(id: string): void {
    const v = this.views.get(id);
    if (v) this.settle(id, { kind: 'done', remotePath: v.remotePath, verified: true });
  }

  fail(id: string, message = 'server said no'): void {
    this.settle(id, { kind: 'failed', offset: 0, error: { code: 'rejected', message } });
  }

  /** Remote paths queued so far, in order. */
  remotePaths(): string[] {
    return this.added.map((a) => a.item.remotePath);
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
    this.settle(id, { kind: 'cancelled', sessionDeleted: true });
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
  /** The bandwidth limit as set (validated as the real engine does). */
  bw: BandwidthInfo = { spec: 'off', rate: null };
  setBandwidth(spec: string): void {
    const tt = parseBwLimit(spec);
    this.calls.push(`setBandwidth:${tt.spec}`);
    this.bw = { spec: tt.spec, rate: tt.slots.length === 1 ? tt.slots[0]!.rate : null };
  }
  bandwidth(): BandwidthInfo {
    return this.bw;
  }
  max = 1;
  setMaxConcurrent(n: number): void {
    this.calls.push(`setMaxConcurrent:${n}`);
    this.max = n;
  }
  maxConcurrent(): number {
    return this.max;
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
  async start(): Promise<void> {
    this.started = true;
  }
  async shutdown(): Promise<void> {
    this.stopped = true;
  }

  private settle(id: string, state: TransferState): void {
    this.set(id, { state, speed: 0 });
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
  private readonly items = new Map<string, TargetConfig>();
  async list(): Promise<TargetConfig[]> { return [...this.items.values()]; }
  async get(id: string): Promise<TargetConfig | undefined> { return this.items.get(id); }
  async put(t: TargetConfig): Promise<void> { this.items.set(t.id, t); }
  async remove(id: string): Promise<void> { this.items.delete(id); }
}
