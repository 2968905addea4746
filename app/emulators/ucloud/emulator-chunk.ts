// `POST {endpoint}` of the CHUNKED protocol (PROVIDERID.uploadChunk). Order of checks:
// 1. Content-Length (missing 411, over 32,000,000 413): answered at once with `Connection: close`,
//    so a hostile declared body is never read (fault rows 44/46).
// 2. IM1's header checks (offset, token, total size) with its exact texts.
// 3. Token → session (404 `{"why"}` when unknown or expired), one chunk at a time per session.
// 4. Offset (-1 = append, inside = overwrite, == size = append, gap = 400 unless allowed) and the
//    chunk's end against the declared total; then the body streams straight into the session's
//    file at the offset and is fsynced before the answer. Bytes of an interrupted chunk stay.
// 5. The chunk that reaches the total commits the file under the conflict policy and ends the token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestContext } from '../kit/emulator-host.js';
import { NameConflictError, type FileStore } from '../kit/file-store.js';
import { header, sendJson, writeBody } from '../kit/http-io.js';
import type { SessionTable, UploadSession } from './emulator-sessions.js';
import { HEADER_OFFSET, HEADER_TOKEN, HEADER_TOTAL_SIZE, IM1_MESSAGES, MAX_CHUNK_SIZE } from '../../providers/ucloud/wire.js';

export interface ChunkRulesOptions {
  requireTotalSize: boolean;
  offsetGap: 'reject' | 'allow';
  parallel: 'reject' | 'serialise';
  finalizeEmpty: boolean;
  /** How long a chunk that overlaps another waits for it to end before a 409 (reject mode). */
  parallelWaitMs: number;
  /** Cut a body that delivers fewer bytes per second than this over `rateWindowMs` (0 = off). */
  minBodyBytesPerSec: number;
  rateWindowMs: number;
}

export interface ChunkDeps {
  sessions: SessionTable;
  store: FileStore;
  o: ChunkRulesOptions;
}

/** Answers without reading the body and closes the connection afterwards. */
function refuse(res: ServerResponse, status: number, why: string): void {
  sendJson(res, status, { why }, { connection: 'close' });
}

/** Discards the (already size-checked) body, then answers: the client sees a clean status, not a reset. */
async function rejectAfterBody(req: IncomingMessage, res: ServerResponse, status: number, why: string): Promise<void> {
  try {
    for await (const _ of req as AsyncIterable<Buffer>) { /* discard */ }
  } catch {
    return;
  }
  sendJson(res, status, { why });
}

export async function handleChunk(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: ChunkDeps): Promise<void> {
  // req.socket is dropped once req is destroyed (an early exit from its body loop): keep our own.
  const socket = req.socket;
  const cl = header(req, 'content-length');
  if (cl === undefined || req.headers['transfer-encoding'] !== undefined) {
    return refuse(res, 411, 'Content-Length is required: a chunk must declare its size');
  }
  const length = Number(cl);
  if (!/^\d+$/.test(cl) || !Number.isSafeInteger(length)) return refuse(res, 400, `Invalid Content-Length ${JSON.stringify(cl)}`);
  if (length > MAX_CHUNK_SIZE) return refuse(res, 413, `Chunk of ${length} bytes is larger than the maximum of ${MAX_CHUNK_SIZE} bytes`);

  const offsetText = header(req, HEADER_OFFSET);
  const requested = Number(offsetText);
  if (offsetText === undefined || !/^-?\d+$/.test(offsetText) || requested < -1 || !Number.isSafeInteger(requested)) {
    return refuse(res, 400, IM1_MESSAGES.badOffset);
  }
  const token = header(req, HEADER_TOKEN);
  if (!token) return refuse(res, 400, IM1_MESSAGES.badToken);
  const totalText = header(req, HEADER_TOTAL_SIZE);
  const announced = totalText === undefined ? undefined : Number(totalText);
  if (totalText === undefined ? d.o.requireTotalSize : !/^\d+$/.test(totalText) || !Number.isSafeInteger(announced)) {
    return refuse(res, 400, IM1_MESSAGES.missingTotal);
  }

  const found = await d.sessions.lookup(token);
  if ('gone' in found) return rejectAfterBody(req, res, 404, found.gone === 'expired' ? IM1_MESSAGES.sessionGone : IM1_MESSAGES.unknownToken);
  let s = found.session;
  // A client that retries right after a reset often arrives while the server is still writing
  // the cut chunk's buffered bytes: that chunk is ending, not parallel. Wait for it (fully when
  // its connection is already gone, else up to parallelWaitMs) before calling this one parallel.
  if (s.busy && d.o.parallel === 'reject') {
    const ended = await settlesWithin(s.tail, s.socket?.destroyed ? Infinity : d.o.parallelWaitMs);
    if (!ended || s.busy) {
      return rejectAfterBody(req, res, 409, 'Another chunk is already being uploaded to this session: send chunks one at a time');
    }
  }
  // Serialise: wait for the chunk ahead, then look again (it may have committed the file).
  const ahead = s.tail;
  let release!: () => void;
  s.tail = new Promise<void>((r) => { release = r; });
  s.busy = true;
  try {
    await ahead;
    s.busy = true;
    s.socket = socket;
    const again = await d.sessions.lookup(token);
    if ('gone' in again) return await rejectAfterBody(req, res, 404, IM1_MESSAGES.unknownToken);
    s = again.session;
    await receive(req, res, ctx, d, s, { socket, requested, length, announced });
  } finally {
    s.busy = false;
    release();
  }
}

async function receive(
  req: IncomingMessage, res: ServerResponse, ctx: RequestContext, d: ChunkDeps, s: UploadSession,
  c: { socket: Socket; requested: number; length: number; announced: number | undefined },
): Promise<void> {
  if (c.announced !== undefined && s.total !== undefined && c.announced !== s.total) {
    return refuse(res, 400, `${HEADER_TOTAL_SIZE} ${c.announced} differs from the ${s.total} announced earlier for this upload`);
  }
  const total = c.announced ?? s.total;
  const offset = c.requested === -1 ? s.size : c.requested;
  if (offset > s.size && d.o.offsetGap === 'reject') {
    return rejectAfterBody(req, res, 400, `Invalid offset ${c.requested}: the upload holds ${s.size} bytes, so a chunk must start at most at byte ${s.size} (or use -1 to append)`);
  }
  if (total !== undefined && offset + c.length > total) {
    return refuse(res, 400, `Chunk of ${c.length} bytes at offset ${offset} ends past the declared total size of ${total} bytes`);
  }
  s.total = total;
  d.sessions.touch(s);

  const fh = await d.store.openPart(s.token);
  const watchdog = slowBodyWatchdog(c.socket, d.o);
  let result;
  try {
    result = await writeBody(req, {
      ...(fh ? { fh } : {}),
      position: offset,
      expected: c.length,
      ctx: { ...ctx, received: (n) => { ctx.received(n); watchdog.add(n); d.sessions.touch(s); } },
    });
  } finally {
    watchdog.stop();
    await fh?.close();
  }
  s.size = Math.max(s.size, offset + result.bytes);
  if (!result.complete) {
    // The client went away mid-body: keep what arrived, answer nobody, and free the session
    // at once so the client's immediate retry of this chunk is not refused as a parallel one.
    c.socket.destroy();
    void d.sessions.save();
    return;
  }
  const last = total !== undefined && offset + c.length >= total && (total > 0 || d.o.finalizeEmpty);
  if (last) {
    let finalPath: string;
    try {
      finalPath = await d.store.placeFor(s.path, s.conflict);
    } catch (e) {
      if (!(e instanceof NameConflictError)) throw e;
      await d.sessions.remove(s.token);
      return sendJson(res, 409, { why: `A file already exists at ${s.path} and the conflict policy is REJECT` });
    }
    await d.store.commit(s.token, finalPath, total);
    await d.sessions.remove(s.token);
  } else {
    await d.sessions.save();
  }
  if (ctx.fault?.kind === 'commit-then-reset') {
    c.socket.destroy();
    return;
  }
  sendJson(res, 200, {});
}

function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  if (ms === Infinity) return p.then(() => true);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => { timer = setTimeout(() => r(false), ms); });
  return Promise.race([p.then(() => true), late]).finally(() => clearTimeout(timer));
}

/** Row 43 (slow drip): closes a body that trickles in below the configured rate. */
function slowBodyWatchdog(socket: Socket, o: ChunkRulesOptions): { add(n: number): void; stop(): void } {
  if (o.minBodyBytesPerSec <= 0) return { add: () => undefined, stop: () => undefined };
  let window = 0;
  const floor = (o.minBodyBytesPerSec * o.rateWindowMs) / 1000;
  const timer = setInterval(() => {
    if (window < floor) socket.destroy();
    window = 0;
  }, o.rateWindowMs);
  return { add: (n) => { window += n; }, stop: () => clearInterval(timer) };
}
