// The Provider port as an in-memory server of an ordered, offset-based protocol (like tus): it
// keeps the bytes of each session, answers status with the offset it holds, and commits on
// finish. A test can take it offline, make the next call of a kind fail, or hold a chunk on the
// wire (half of it sent) until released or aborted.
import { FerryError } from '../../app/common/errors.js';
import type { ProviderId } from '../../app/common/transfer.js';
import type { CancelOutcome, Chunk, ChunkRules, Provider, ProviderFactory, RemoteFile, SendContext, ServerState, Session, UploadJob } from '../../app/engine/provider.js';

export type FakeOp = 'create' | 'status' | 'send' | 'finish' | 'cancel';

export interface FakeSession {
  id: string;
  size: number;
  data: Buffer[];
  held: number;
  deleted: boolean;
}

export interface FakeCall {
  op: FakeOp;
  session?: string;
  offset?: number;
  /** The request's abort signal fired while it was held. */
  aborted?: boolean;
}

export class FakeProvider implements Provider {
  readonly id: ProviderId;
  readonly rules: ChunkRules;
  readonly ordered = true;
  readonly sessions = new Map<string, FakeSession>();
  readonly calls: FakeCall[] = [];
  readonly committed: { path: string; data: Buffer }[] = [];
  /** Every call throws FerryError 'network' (the server cannot be reached). */
  offline = false;
  private readonly faults: { op: FakeOp; error: Error }[] = [];
  private hold: { reached: () => void; gate: Promise<void> } | undefined;

  constructor(o: { id?: ProviderId; chunkSize?: number } = {}) {
    this.id = o.id ?? 'tus';
    this.rules = { min: 1, max: 1 << 30, align: 1, defaultSize: o.chunkSize ?? 1024 };
  }

  /** A factory for EngineDeps.providers that always hands out this instance. */
  factory(): ProviderFactory {
    return () => this;
  }

  /** The next call of `op` throws `error` (before it has any effect). */
  failNext(op: FakeOp, error: Error): void {
    this.faults.push({ op, error });
  }

  /** The next chunk reports half its bytes sent, then waits for `release` (or its abort signal). */
  holdNextChunk(): { reached: Promise<void>; release(): void } {
    let release!: () => void;
    let reached!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const r = new Promise<void>((res) => { reached = res; });
    this.hold = { reached, gate };
    return { reached: r, release };
  }

  /** Bytes the server holds for a session, joined. */
  bytes(sessionId: string): Buffer {
    return Buffer.concat(this.sessions.get(sessionId)?.data ?? []);
  }

  private enter(op: FakeOp, session?: Session, offset?: number): FakeCall {
    const call: FakeCall = { op, ...(session ? { session: sid(session) } : {}), ...(offset !== undefined ? { offset } : {}) };
    this.calls.push(call);
    if (this.offline) throw new FerryError('network', `fake server unreachable (${op})`);
    const i = this.faults.findIndex((f) => f.op === op);
    if (i >= 0) throw this.faults.splice(i, 1)[0]!.error;
    return call;
  }

  private live(s: Session): FakeSession {
    const fs = this.sessions.get(sid(s));
    if (!fs || fs.deleted) throw new FerryError('session-gone', `fake session ${sid(s)} is gone`);
    return fs;
  }

  async create(job: UploadJob): Promise<Session> {
    this.enter('create');
    const id = `fs-${this.sessions.size + 1}`;
    this.sessions.set(id, { id, size: job.file.size, data: [], held: 0, deleted: false });
    return { ref: { id }, chunkSize: job.chunkSize };
  }

  async status(s: Session): Promise<ServerState> {
    this.enter('status', s);
    return { kind: 'offset', offset: this.live(s).held };
  }

  async sendChunk(s: Session, _job: UploadJob, c: Chunk, ctx: SendContext): Promise<ServerState> {
    const call = this.enter('send', s, c.offset);
    const fs = this.live(s);
    const hold = this.hold;
    if (hold) {
      this.hold = undefined;
      ctx.onSent?.(Math.floor(c.data.length / 2));
      hold.reached();
      await new Promise<void>((resolve, reject) => {
        const abort = (): void => {
          call.aborted = true;
          reject(new FerryError('cancelled', 'request aborted'));
        };
        if (ctx.signal.aborted) return abort();
        ctx.signal.addEventListener('abort', abort, { once: true });
        void hold.gate.then(() => {
          ctx.signal.removeEventListener('abort', abort);
          resolve();
        });
      });
    }
    if (c.offset !== fs.held) throw new FerryError('offset-mismatch', `fake server holds ${fs.held}, chunk starts at ${c.offset}`);
    fs.data.push(Buffer.from(c.data));
    fs.held += c.data.length;
    ctx.onSent?.(c.data.length);
    return { kind: 'offset', offset: fs.held };
  }

  async finish(s: Session, job: UploadJob): Promise<RemoteFile> {
    this.enter('finish', s);
    const fs = this.live(s);
    if (fs.held !== fs.size) throw new FerryError('protocol', `fake session ${fs.id} holds ${fs.held} of ${fs.size} bytes`);
    this.committed.push({ path: job.target.remotePath, data: this.bytes(fs.id) });
    return { path: job.target.remotePath, size: fs.size };
  }

  async cancel(s: Session): Promise<CancelOutcome> {
    this.enter('cancel', s);
    const fs = this.sessions.get(sid(s));
    if (fs) fs.deleted = true;
    return { deleted: true };
  }
}

function sid(s: Session): string {
  return (s.ref as { id: string }).id;
}
