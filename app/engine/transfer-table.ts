// The engine's transfers in memory, with the lookups the hot paths need kept O(1): by id, by
// local path (adding 100,000 files from a folder sync must not scan the table per file), and
// the set of running uploads (the scheduler counts them after every chunk outcome).
import { randomBytes } from 'node:crypto';
import type { TransferView } from '../common/transfer.js';
import type { AddItem, TargetConfig } from './engine-api.js';
import type { HashAlgorithm } from './hashing.js';
import { JOURNAL_SCHEMA, type Fingerprint, type JournalRecord } from './journal.js';
import { SpeedMeter } from './speed-meter.js';

export interface Entry {
  rec: JournalRecord;
  /** Bytes shown on the progress bar: confirmed, or sent within the current chunk; see progress-gauge.ts. */
  transferred: number;
  /** The last offset the server confirmed (progress-gauge.ts). */
  confirmed: number;
  meter: SpeedMeter;
  run?: { controller: AbortController; done: Promise<void> };
  waiters: ((v: TransferView) => void)[];
}

export function newEntry(rec: JournalRecord): Entry {
  return { rec, transferred: rec.offset, confirmed: rec.offset, meter: new SpeedMeter(), waiters: [] };
}

/** The journal record of a newly added transfer, queued. */
export function newRecord(o: { target: TargetConfig; item: AddItem; fingerprint: Fingerprint; now: number; chunkSize: number; digests?: Partial<Record<HashAlgorithm, string>> }): JournalRecord {
  const { target, item, now } = o;
  return {
    v: JOURNAL_SCHEMA,
    id: `t${now.toString(36)}${randomBytes(5).toString('hex')}`,
    targetId: target.id,
    provider: target.provider,
    localPath: item.localPath,
    remotePath: item.remotePath,
    conflict: item.conflict ?? target.conflict,
    ...(item.origin ? { origin: item.origin } : {}),
    fingerprint: o.fingerprint,
    ...(o.digests ? { digests: { ...o.digests } } : {}),
    chunkSize: o.chunkSize,
    offset: 0,
    state: { kind: 'queued' },
    createdAt: now,
    updatedAt: now,
  };
}

export class TransferTable {
  private readonly byId = new Map<string, Entry>();
  private readonly byLocal = new Map<string, Set<Entry>>();
  readonly running = new Set<Entry>();

  get(id: string): Entry | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<Entry> {
    return this.byId.values();
  }

  add(e: Entry): void {
    this.byId.set(e.rec.id, e);
    let set = this.byLocal.get(e.rec.localPath);
    if (!set) this.byLocal.set(e.rec.localPath, (set = new Set()));
    set.add(e);
  }

  delete(e: Entry): void {
    this.byId.delete(e.rec.id);
    this.running.delete(e);
    const set = this.byLocal.get(e.rec.localPath);
    set?.delete(e);
    if (set?.size === 0) this.byLocal.delete(e.rec.localPath);
  }

  /** Transfers of this local file, to any target. */
  forLocalPath(path: string): Entry[] {
    return [...(this.byLocal.get(path) ?? [])];
  }
}
