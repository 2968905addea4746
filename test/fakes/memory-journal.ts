// The Journal port in memory. Records are kept as JSON text, as on disk: what the engine changes
// in memory after a put is not what a later load returns. Puts can be made to fail (a full disk).
import type { Journal, JournalRecord } from '../../app/engine/journal.js';

export class MemoryJournal implements Journal {
  private readonly stored = new Map<string, string>();
  /** Every successful write, in order (snapshots). */
  readonly writes: JournalRecord[] = [];
  /** When set and returning an error, `put` throws it and stores nothing. */
  failPut?: (r: JournalRecord) => Error | undefined;
  /** When set and returning a promise, `put` waits for it before storing (a slow disk). */
  gatePut?: (r: JournalRecord) => Promise<void> | undefined;

  async load(): Promise<JournalRecord[]> {
    return [...this.stored.values()].map((t) => JSON.parse(t) as JournalRecord).sort((a, b) => a.createdAt - b.createdAt);
  }

  async put(r: JournalRecord): Promise<void> {
    const err = this.failPut?.(r);
    if (err) throw err;
    await this.gatePut?.(r);
    const text = JSON.stringify(r);
    this.stored.set(r.id, text);
    this.writes.push(JSON.parse(text) as JournalRecord);
  }

  async remove(id: string): Promise<void> {
    this.stored.delete(id);
  }

  /** A record as some (possibly older) version wrote it. */
  seed(raw: { id: string; [k: string]: unknown }): void {
    this.stored.set(raw.id, JSON.stringify(raw));
  }

  /** What a load would return for this transfer now. */
  get(id: string): JournalRecord | undefined {
    const t = this.stored.get(id);
    return t === undefined ? undefined : (JSON.parse(t) as JournalRecord);
  }

  ids(): string[] {
    return [...this.stored.keys()];
  }
}
