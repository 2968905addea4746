// Upload sessions of the OneDrive emulator: the upload URL's PUT (fragments), GET (status),
// DELETE (cancel) and POST (deferred commit). A fragment counts only when all of its bytes
// arrived: an interrupted request is discarded whole (GRAPH-DOCS), unlike GCS.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { QuickXorHash } from '../../node/quickxor-hash.js';
import type { EmulatorCounters, RequestContext } from '../kit/emulator-host.js';
import { header, sendEmpty, sendJson, writeBody } from '../kit/http-io.js';
import type { Drive } from './emulator-drive.js';
import type { ResolvedOnedriveOptions } from './emulator-options.js';
import { GraphReply, notFound, parseContentRange } from './emulator-reply.js';
import { FRAGMENT_ALIGN, type ConflictBehavior, type DriveItemJson, type UploadSessionJson } from '../../providers/onedrive/wire.js';

export interface UploadSession {
  id: string;
  tempauth: string;
  remotePath: string;
  conflict: ConflictBehavior;
  deferCommit: boolean;
  createdAt: number;
  expiresAt: number;
  /** Declared by the first fragment; every later fragment must repeat it. */
  total?: number;
  /** Bytes [0, received) are held: the next expected offset. */
  received: number;
  /** Offset of the first non-final fragment that was not a 320 KiB multiple. */
  misalignedAt?: number;
  qx: QuickXorHash;
  sha1?: Hash;
  /** Serialises data requests of this session (a retry may arrive while a dead request drains). */
  lock: Promise<void>;
}

export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  constructor(
    private readonly drive: Drive,
    private readonly opts: ResolvedOnedriveOptions,
    private readonly now: () => number,
    private readonly counters: EmulatorCounters,
  ) {}

  open(remotePath: string, conflict: ConflictBehavior, deferCommit: boolean): UploadSession {
    const t = this.now();
    const s: UploadSession = {
      id: randomBytes(12).toString('hex'),
      tempauth: randomBytes(18).toString('base64url'),
      remotePath, conflict, deferCommit,
      createdAt: t,
      expiresAt: t + this.opts.sessionLifetimeMs,
      received: 0,
      qx: new QuickXorHash(),
      ...(this.opts.reportSha1 ? { sha1: createHash('sha1') } : {}),
      lock: Promise.resolve(),
    };
    this.sessions.set(s.id, s);
    this.counters.sessionCreated();
    return s;
  }

  /** Multi-segment on purpose: the Graph SDK rewrites single-segment https upload URLs. */
  uploadUrl(base: string, s: UploadSession): string {
    return `${base}/up/${s.id}?tempauth=${s.tempauth}`;
  }

  sessionJson(s: UploadSession): UploadSessionJson {
    const done = s.total !== undefined && s.received >= s.total;
    return { expirationDateTime: new Date(s.expiresAt).toISOString(), nextExpectedRanges: done ? [] : [`${s.received}-`] };
  }

  /** The session an upload URL names, or the Graph error its state calls for. */
  find(id: string, tempauth: string | null, req?: IncomingMessage): UploadSession {
    const s = this.sessions.get(id);
    if (!s || s.tempauth !== tempauth) throw notFound('the upload session');
    const t = this.now();
    if (t >= s.expiresAt) {
      this.forget(s);
      throw new GraphReply(404, 'itemNotFound', 'the upload session has expired', 'uploadSessionNotFound');
    }
    if (t >= s.createdAt + this.opts.urlExpiryMs) throw new GraphReply(403, 'accessDenied', 'the upload URL token (tempauth) has expired; create a new upload session');
    if (req && this.opts.strictUploadAuth && req.headers.authorization !== undefined) {
      throw new GraphReply(401, 'unauthenticated', 'the upload URL carries its own credential; do not send an Authorization header to it');
    }
    return s;
  }

  /** For explicit commits that name the session by its URL (`@microsoft.graph.sourceUrl`). */
  findByUrl(url: string): UploadSession {
    const m = /\/up\/([A-Za-z0-9]+)\?(.*)$/.exec(url);
    if (!m) throw new GraphReply(400, 'invalidRequest', '@microsoft.graph.sourceUrl is not an upload URL of this server');
    return this.find(m[1]!, new URLSearchParams(m[2]).get('tempauth'));
  }

  status(res: ServerResponse, s: UploadSession): void {
    sendJson(res, 200, this.sessionJson(s));
  }

  cancel(res: ServerResponse, s: UploadSession): Promise<void> {
    this.forget(s);
    this.counters.sessionDeleted();
    sendEmpty(res, 204);
    return this.drive.store.removePart(s.id);
  }

  /** PUT uploadUrl: one fragment. */
  async fragment(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, s: UploadSession): Promise<void> {
    const range = parseContentRange(header(req, 'content-range'));
    const len = range.end - range.start + 1;
    const declared = header(req, 'content-length');
    if (declared === undefined) throw new GraphReply(411, 'lengthRequired', 'a fragment needs a Content-Length header');
    if (Number(declared) !== len) {
      throw new GraphReply(400, 'invalidRange', `Content-Length ${declared} differs from the ${len} bytes named by Content-Range`);
    }
    if (len >= this.opts.maxFragmentBytes) {
      throw new GraphReply(413, 'invalidRange', `a fragment of ${len} bytes is too large; fragments must be under ${this.opts.maxFragmentBytes} bytes`, 'maxFragmentLengthExceeded');
    }
    if (s.total !== undefined && range.total !== s.total) {
      throw new GraphReply(400, 'invalidRange', `the declared file size ${range.total} differs from the ${s.total} of earlier fragments`, 'fragmentLengthMismatch');
    }
    await this.locked(s, async () => {
      if (this.sessions.get(s.id) !== s) throw notFound('the upload session');
      if (range.start < s.received) {
        throw new GraphReply(416, 'invalidRange', `bytes from ${range.start} overlap what was already received; the next expected byte is ${s.received}`, 'fragmentOverlap');
      }
      if (range.start > s.received) {
        throw new GraphReply(416, 'invalidRange', `fragment at ${range.start} skips ahead of the next expected byte ${s.received}`, 'fragmentOutOfOrder');
      }
      const qx = s.qx.clone();
      const sha1 = s.sha1?.copy();
      const fh = await this.drive.store.openPart(s.id);
      let complete: boolean;
      try {
        const r = await writeBody(req, { fh, position: range.start, expected: len, ctx, onPiece: (p) => { qx.update(p); sha1?.update(p); } });
        complete = r.complete;
      } finally {
        await fh?.close();
      }
      // Interrupted: every byte of this request is discarded; the session offset stays put.
      if (!complete) return;
      // Cancelled (DELETE) while this fragment streamed in.
      if (this.sessions.get(s.id) !== s) throw notFound('the upload session');
      s.total ??= range.total;
      s.received = range.end + 1;
      s.qx = qx;
      if (sha1) s.sha1 = sha1;
      if (this.opts.slidingExpiry) s.expiresAt = this.now() + this.opts.sessionLifetimeMs;
      if (len % FRAGMENT_ALIGN !== 0 && s.received < s.total) s.misalignedAt ??= range.start;
      if (s.received < s.total || s.deferCommit) {
        this.answer(res, ctx, () => sendJson(res, 202, this.sessionJson(s)));
        return;
      }
      const { status, item, location } = await this.commit(s, s.remotePath, s.conflict, ctx.baseUrl);
      this.answer(res, ctx, () => sendJson(res, status, item, { location }));
    });
  }

  /** POST uploadUrl (deferCommit) or the explicit-commit PUT: all bytes must be there. */
  async commitRequest(res: ServerResponse, ctx: RequestContext, s: UploadSession, path: string, conflict: ConflictBehavior): Promise<void> {
    await this.locked(s, async () => {
      if (s.total === undefined || s.received < s.total) {
        throw new GraphReply(400, 'invalidRequest', `the upload is incomplete: ${s.received} of ${s.total ?? '?'} bytes received`, 'uploadSessionIncomplete');
      }
      const { status, item, location } = await this.commit(s, path, conflict, ctx.baseUrl);
      this.answer(res, ctx, () => sendJson(res, status, item, { location }));
    });
  }

  /** Makes the file. A name conflict under 'fail' (or a full drive) keeps the session for an explicit commit. */
  private async commit(s: UploadSession, path: string, conflict: ConflictBehavior, base: string): Promise<{ status: number; item: DriveItemJson; location: string }> {
    if (this.opts.strictAlignment && s.misalignedAt !== undefined) {
      this.forget(s);
      await this.drive.store.removePart(s.id);
      throw new GraphReply(400, 'invalidRequest', `the fragment at offset ${s.misalignedAt} was not a multiple of 320 KiB (327,680 bytes); the file could not be committed`, 'uploadSessionFailed');
    }
    const size = s.total ?? 0;
    // A full drive keeps the session, like a name conflict, for an explicit commit later.
    this.drive.checkQuota(size, conflict === 'replace' ? path : undefined);
    const place = await this.drive.place(path, conflict);
    await this.drive.store.commit(s.id, place.path, size);
    this.forget(s);
    const item = this.drive.record(place.path, size, { quickXor: s.qx.digest(), ...(s.sha1 ? { sha1: s.sha1.digest() } : {}) });
    return { status: place.replaced ? 200 : 201, item, location: `${base}/v1.0/me/drive/items/${item.id}` };
  }

  /** Fault 'commit-then-reset': the work is done, the answer is lost. */
  private answer(res: ServerResponse, ctx: RequestContext, send: () => void): void {
    if (ctx.fault?.kind === 'commit-then-reset') res.socket?.destroy();
    else send();
  }

  private async locked(s: UploadSession, fn: () => Promise<void>): Promise<void> {
    const prev = s.lock;
    let release!: () => void;
    s.lock = new Promise<void>((r) => (release = r));
    await prev;
    try {
      await fn();
    } finally {
      release();
    }
  }

  private forget(s: UploadSession): void {
    this.sessions.delete(s.id);
  }
}
