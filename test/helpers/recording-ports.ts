// The engine's HTTP and journal ports, recorded for the rig and the invariants: every request
// the provider clients send (full URL, headers, timing; one can be held back to act between two
// requests) and every journal write (which session each transfer used, and when it let go of it).
import { FerryError } from '../../app/common/errors.js';
import { isStreamBody, type Http, type HttpRequest, type HttpResponse } from '../../app/engine/http.js';
import type { Journal, JournalRecord } from '../../app/engine/journal.js';
import type { Clock } from '../../app/engine/ports.js';
import type { Json } from '../../app/engine/provider.js';

export interface HttpRecord {
  seq: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyBytes: number;
  /** Engine clock when the request was issued (fake time under a FakeClock). */
  at: number;
  startedMs: number;
  endedMs?: number;
  status?: number;
  resHeaders?: Record<string, string>;
  /** FerryError code when the transport threw. */
  error?: string;
}

/** The Http port seen from the providers, recorded; a request can be held back to act between two requests. */
export class RecordingHttp implements Http {
  readonly records: HttpRecord[] = [];
  private holds: { pred: (r: HttpRecord) => boolean; held: (r: HttpRecord) => void; gate: Promise<void> }[] = [];

  constructor(public inner: Http, private readonly clock: Clock) {}

  /** The next request matching `pred` waits, unsent, until `release` is called (or its signal aborts). */
  hold(pred: (r: HttpRecord) => boolean): { held: Promise<HttpRecord>; release(): void } {
    let release!: () => void;
    let held!: (r: HttpRecord) => void;
    const gate = new Promise<void>((r) => { release = r; });
    const heldP = new Promise<HttpRecord>((r) => { held = r; });
    this.holds.push({ pred, held, gate });
    return { held: heldP, release };
  }

  async request(r: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
    const rec: HttpRecord = { seq: this.records.length, method: r.method, url: r.url, headers, bodyBytes: r.body === undefined ? 0 : isStreamBody(r.body) ? r.body.length : Buffer.byteLength(r.body), at: this.clock.now(), startedMs: Date.now() };
    this.records.push(rec);
    const i = this.holds.findIndex((h) => h.pred(rec));
    if (i >= 0) {
      const [h] = this.holds.splice(i, 1);
      h!.held(rec);
      await Promise.race([h!.gate, new Promise<void>((res) => r.signal?.addEventListener('abort', () => res(), { once: true }))]);
    }
    try {
      const res = await this.inner.request(r);
      rec.status = res.status;
      rec.resHeaders = res.headers;
      return res;
    } catch (e) {
      rec.error = e instanceof FerryError ? e.code : 'internal';
      throw e;
    } finally {
      rec.endedMs = Date.now();
    }
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/** When a session stopped being the one the journal points at: positions in both request logs. */
export interface Mark { client: number; server: number; ms: number }
export interface SessionUse { transfer: string; ref: Json; mark?: Mark }

/** The journal port, recorded (which session each transfer used, and when it let go of it); puts can be made to fail. */
export class RecordingJournal implements Journal {
  readonly uses: SessionUse[] = [];
  /** Successful writes per transfer, latest last (what is on disk). */
  readonly written = new Map<string, JournalRecord[]>();
  /** When set and returning an error, `put` throws it without touching the disk (a full disk, say). */
  failPut?: (r: JournalRecord) => Error | undefined;

  constructor(private readonly inner: Journal, private readonly mark: () => Mark) {}

  load(): Promise<JournalRecord[]> {
    return this.inner.load();
  }

  async put(r: JournalRecord): Promise<void> {
    this.track(r.id, r.session?.ref);
    const err = this.failPut?.(r);
    if (err) throw err;
    await this.inner.put(r);
    const list = this.written.get(r.id) ?? [];
    list.push(structuredClone(r));
    this.written.set(r.id, list);
  }

  async remove(id: string): Promise<void> {
    this.track(id, undefined);
    await this.inner.remove(id);
  }

  private track(id: string, ref: Json | undefined): void {
    const cur = this.uses.findLast((u) => u.transfer === id && !u.mark);
    if (cur && (ref === undefined || JSON.stringify(ref) !== JSON.stringify(cur.ref))) cur.mark = this.mark();
    if (ref !== undefined && (!cur || cur.mark)) this.uses.push({ transfer: id, ref });
  }
}
