// The chunks of one upload on the wire at once. Each send is kept as a promise that never
// rejects, so a failure surfaces only when the runner takes that outcome, in its own catch, and
// a second send still in flight is waited for (its buffer may not be reused before) rather than
// left running. A send whose bytes are stored but not yet confirmed (Synapse adds each part with
// a second call, one round trip) leaves the wire to the next chunk: otherwise every part costs
// each flow a round trip of silence, and parts finishing together leave the link idle.
import type { LoadedChunk } from './chunk-loader.js';
import type { NextChunk } from './chunk-plan.js';
import type { ChunkSample } from './chunk-sizer.js';
import type { Clock } from './ports.js';
import type { Provider, ServerState, Session, UploadJob } from './provider.js';

export type Landed =
  | { ok: true; plan: NextChunk; after: ServerState | undefined; startedAt: number; lastByteAt: number | undefined; endedAt: number }
  | { ok: false; plan: NextChunk; error: unknown };

export class SendWindow {
  private readonly flights = new Map<number, Promise<Landed>>();
  /** Sends whose bytes are still going (or not yet answered by the storage). */
  private readonly onWire = new Set<number>();
  private wake: (() => void) | undefined;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.flights.size;
  }

  /** No room on the wire; sends being confirmed are bounded too (as many again). */
  get full(): boolean {
    return this.onWire.size >= this.limit || this.flights.size >= 2 * this.limit;
  }

  /** Send `index` left the wire (its bytes are stored): the next `next()` returns so another may start. */
  offWire(index: number): void {
    if (!this.onWire.delete(index)) return;
    this.wake?.();
  }

  /** Indexes of the parts on the wire. */
  indexes(): number[] {
    return [...this.flights.keys()];
  }

  start(index: number, landed: Promise<Landed>): void {
    this.flights.set(index, landed);
    this.onWire.add(index);
  }

  /** The first send to settle, taken out of the window; undefined when a send left the wire first. */
  async next(): Promise<Landed | undefined> {
    const freed = new Promise<undefined>((resolve) => { this.wake = () => resolve(undefined); });
    try {
      const got = await Promise.race([...this.flights.values(), freed]);
      if (got) this.take(got.plan.index);
      return got;
    } finally {
      this.wake = undefined;
    }
  }

  /** Waits for every send still on the wire and takes them all out. */
  async drain(): Promise<Landed[]> {
    const all = await Promise.all(this.flights.values());
    this.flights.clear();
    this.onWire.clear();
    return all;
  }

  private take(index: number): void {
    this.flights.delete(index);
    this.onWire.delete(index);
  }
}

/** What the server holds after it confirmed `plan`, when its answer did not say all of it. */
export function stateAfter(st: ServerState, plan: NextChunk, after: ServerState | undefined): ServerState {
  const end = plan.offset + plan.length;
  const now: ServerState = after ?? (st.kind === 'parts' ? { kind: 'parts', have: [...st.have, plan.index] } : { kind: 'offset', offset: end });
  if (now.kind === 'unknown') return { kind: 'offset', offset: end };
  // Another part confirmed while this one was on the wire still counts.
  if (now.kind === 'parts' && st.kind === 'parts') return { kind: 'parts', have: [...new Set([...st.have, ...now.have])] };
  return now;
}

/** The state to plan from: parts on the wire count as held, so no part is sent twice at once. */
export function withFlights(st: ServerState, flying: number[]): ServerState {
  if (st.kind !== 'parts' || flying.length === 0) return st;
  return { kind: 'parts', have: [...st.have, ...flying] };
}

export interface SendOptions {
  provider: Provider;
  clock: Clock;
  session: Session;
  job: UploadJob;
  chunk: LoadedChunk;
  signal: AbortSignal;
  /** Body bytes of this chunk sent so far. */
  sent(bytes: number): void;
  /** The chunk's buffer may be reused. */
  release(): void;
  /** The chunk's bytes are stored; it awaits only its confirmation (SendContext.offWire). */
  offWire?(): void;
  settled(): void;
}

/** Sends one loaded chunk; settles (never rejects) with its outcome and timing, its buffer released. */
export async function sendLoaded(o: SendOptions): Promise<Landed> {
  const { plan, data, digests, body } = o.chunk;
  const startedAt = o.clock.now();
  let lastByteAt: number | undefined;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    o.release();
  };
  try {
    const after = await o.provider.sendChunk(o.session, o.job, { index: plan.index, offset: plan.offset, data, final: plan.final, ...(Object.keys(digests).length > 0 ? { digests } : {}), ...(body ? { body } : {}) }, {
      signal: o.signal,
      onSent: (b) => {
        // The last body byte left: from here to the answer is the chunk's idle round trip.
        if (b >= plan.length) lastByteAt ??= o.clock.now();
        o.sent(b);
      },
      // The provider reads no more of the chunk: its buffer goes back at once.
      offWire: () => {
        release();
        o.offWire?.();
      },
    });
    return { ok: true, plan, after, startedAt, lastByteAt, endedAt: o.clock.now() };
  } catch (error) {
    return { ok: false, plan, error };
  } finally {
    o.settled();
    release();
  }
}

/** A confirmed chunk's timing, for the chunk sizer. */
export function sampleOf(got: Extract<Landed, { ok: true }>): ChunkSample {
  const s: ChunkSample = { bytes: got.plan.length, elapsedMs: got.endedAt - got.startedAt };
  if (got.lastByteAt !== undefined) s.waitMs = got.endedAt - got.lastByteAt;
  return s;
}
