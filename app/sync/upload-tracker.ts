// The folder's side of the engine: hands settled files to `engine.add` (batched, falling back
// to one at a time so a single bad file is the only one reported), follows each transfer to
// its end, and reports what to record in the index. Transfers the engine resumed from its
// journal are adopted rather than added twice. Everything it reports runs on the folder's loop.
import { join, posix } from 'node:path';
import { toErrorInfo } from '../common/errors.js';
import { isSettled, type TransferView } from '../common/transfer.js';
import type { Engine } from '../engine/engine-api.js';
import type { IndexEntry } from './planner.js';
import type { Prepared } from './prepare-upload.js';
import type { FileStat } from './stability.js';
import type { SyncEvent } from './sync-events.js';

export type Upload = Extract<Prepared, { kind: 'upload' }>;

interface InFlight {
  id: string;
  stat: FileStat;
  /** '' for an adopted transfer, whose content hash is unknown. */
  hash: string;
}

export interface TrackerHooks {
  /** Runs `fn` on the folder's serial loop. */
  serial(fn: () => Promise<void>): void;
  emit(e: SyncEvent): void;
  /** An upload finished: this is what the target now holds for `path`. */
  record(path: string, entry: IndexEntry): void;
  /** `path` changed while its upload was in flight: look at it again. */
  recheck(path: string): void;
  /** For adopted transfers: the file as it is now, and its hash. */
  describe(path: string): Promise<{ stat: FileStat; hash: string } | undefined>;
}

export class UploadTracker {
  private readonly inflight = new Map<string, InFlight>();
  private readonly again = new Set<string>();

  constructor(
    private readonly engine: Engine,
    private readonly target: { folderId: string; targetId: string; remoteDir: string },
    private readonly hooks: TrackerHooks,
  ) {}

  get size(): number {
    return this.inflight.size;
  }

  /** True (and remembered) when `path` is uploading now: it is looked at again once that ends. */
  busy(path: string): boolean {
    if (!this.inflight.has(path)) return false;
    this.again.add(path);
    return true;
  }

  remotePath(rel: string): string {
    return posix.join(this.target.remoteDir, rel);
  }

  /** Follows this folder's unfinished transfers that the engine resumed from its journal. */
  adopt(roots: string[]): void {
    const prefix = this.target.remoteDir.endsWith('/') ? this.target.remoteDir : `${this.target.remoteDir}/`;
    for (const v of this.engine.list()) {
      if (v.targetId !== this.target.targetId || !v.remotePath.startsWith(prefix)) continue;
      if (isSettled(v.state)) continue;
      const rel = v.remotePath.slice(prefix.length);
      if (!roots.some((r) => join(r, rel) === v.localPath)) continue;
      this.follow(rel, { id: v.id, stat: { size: v.size, mtimeMs: -1 }, hash: '' });
    }
  }

  async add(root: string, items: Upload[]): Promise<void> {
    const add = (batch: Upload[]): Promise<TransferView[]> => this.engine.add({
      targetId: this.target.targetId,
      items: batch.map((i) => ({ localPath: join(root, i.path), remotePath: this.remotePath(i.path), conflict: 'replace' as const, origin: `sync:${this.target.folderId}` })),
    });
    let views: (TransferView | undefined)[];
    try {
      views = await add(items);
    } catch {
      views = [];
      for (const i of items) {
        try {
          views.push((await add([i]))[0]);
        } catch (err) {
          views.push(undefined);
          this.hooks.emit({ type: 'failed', path: i.path, error: toErrorInfo(err) });
        }
      }
    }
    items.forEach((i, n) => {
      const v = views[n];
      if (!v) return;
      this.hooks.emit({ type: 'queued', path: i.path, remotePath: this.remotePath(i.path), size: i.stat.size, transferId: v.id, reason: i.reason });
      this.follow(i.path, { id: v.id, stat: i.stat, hash: i.hash });
    });
  }

  private follow(path: string, f: InFlight): void {
    this.inflight.set(path, f);
    this.engine.settled(f.id).then(
      (view) => this.hooks.serial(() => this.settled(path, f, view)),
      (err: unknown) => this.hooks.serial(async () => {
        this.inflight.delete(path);
        this.hooks.emit({ type: 'failed', path, error: toErrorInfo(err) });
      }),
    );
  }

  private async settled(path: string, f: InFlight, view: TransferView): Promise<void> {
    if (this.inflight.get(path)?.id === f.id) this.inflight.delete(path);
    const s = view.state;
    if (s.kind === 'done') {
      // An adopted transfer is described by the file as it is now: a change made since it was
      // queued in the previous run is only seen if the file changes again (the price of adopting).
      const d = f.hash === '' ? await this.hooks.describe(path) : { stat: f.stat, hash: f.hash };
      if (d) this.hooks.record(path, { size: d.stat.size, mtimeMs: d.stat.mtimeMs, hash: d.hash, remote: s.remotePath });
      this.hooks.emit({ type: 'done', path, remotePath: s.remotePath, ...(s.version === undefined ? {} : { version: s.version }) });
    } else if (s.kind === 'failed') {
      this.hooks.emit({ type: 'failed', path, error: s.error });
    } else if (s.kind === 'cancelled') {
      this.hooks.emit({ type: 'failed', path, error: { code: 'cancelled', message: `Upload of ${path} was cancelled` } });
    }
    if (this.again.delete(path)) this.hooks.recheck(path);
  }
}
