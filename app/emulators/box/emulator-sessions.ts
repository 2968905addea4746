// Upload sessions (protocols.md 5.1-5.5, edge cases 5.8): create, parts, list, status, commit, abort.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { RequestContext } from '../kit/emulator-host.js';
import { header, readJson, sendEmpty, sendJson } from '../kit/http-io.js';
import { type BoxEmuContext, checkStorage, reportedSha1 } from './emulator-context.js';
import { writePart } from './emulator-part-writer.js';
import { BoxHttpError, intParam, query, sendResult } from './emulator-reply.js';
import { validItemName } from './emulator-tree.js';
import { checkCommitParts, parseDigest } from './emulator-checks.js';
import { MAX_LIST_OFFSET, type BoxPart, type BoxUploadSession, totalParts } from '../../providers/box/wire.js';

export interface EmuSession {
  id: string;
  folderId: string;
  /** Set for a new-version session. */
  fileId?: string;
  fileName: string;
  fileSize: number;
  partSize: number;
  totalParts: number;
  createdAt: number;
  /** Stored parts by offset. */
  parts: Map<number, BoxPart>;
  /** Offsets of parts being received right now. */
  inflight: Set<number>;
  /** 202s still to give on commit. */
  acceptedLeft: number;
  committing: boolean;
}

export class BoxSessions {
  private readonly sessions = new Map<string, EmuSession>();

  constructor(private readonly c: BoxEmuContext) {}

  /** POST /2.0/files/upload_sessions, or /2.0/files/{fileId}/upload_sessions for a new version. */
  async create(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, fileId?: string): Promise<void> {
    const body = (await readJson(req)) as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') throw new BoxHttpError(400, 'bad_request', 'Request body must be a JSON object');
    const { tree, o } = this.c;
    let folderId: string;
    let fileName: string;
    if (fileId !== undefined) {
      const file = tree.file(fileId);
      if (!file) throw new BoxHttpError(404, 'not_found', `Could not find the specified resource: file ${fileId}`);
      folderId = file.parentId;
      if (body.file_name !== undefined && !validItemName(body.file_name)) throw new BoxHttpError(400, 'item_name_invalid', 'Item name invalid');
      fileName = (body.file_name as string | undefined) ?? file.name;
    } else {
      if (body.folder_id === undefined) throw new BoxHttpError(400, 'missing_destination', 'folder_id is required');
      if (typeof body.folder_id !== 'string' && typeof body.folder_id !== 'number') throw new BoxHttpError(400, 'invalid_folder_id', 'folder_id must be a string');
      folderId = String(body.folder_id);
      if (body.file_name === undefined) throw new BoxHttpError(400, 'missing_file_name', 'file_name is required');
      if (!validItemName(body.file_name)) throw new BoxHttpError(400, 'item_name_invalid', 'Item name invalid');
      fileName = body.file_name;
    }
    if (body.file_size === undefined) throw new BoxHttpError(400, 'missing_file_size', 'file_size is required');
    const size = body.file_size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new BoxHttpError(400, 'invalid_file_size', 'file_size must be a non-negative integer');
    if (size < o.minSessionFileSize) {
      throw new BoxHttpError(400, 'file_size_too_small', `File size ${size} less than minimum allowed for this API: ${o.minSessionFileSize}`);
    }
    // BOX-OAS post_files_upload_sessions: 403 storage_limit_exceeded "Account storage limit reached".
    checkStorage(this.c, size, fileId !== undefined ? (tree.file(fileId)?.size ?? 0) : 0);
    if (!tree.folder(folderId)) throw new BoxHttpError(404, 'invalid_parameter', `Invalid value '${folderId}' for folder_id`);
    const clash = tree.named(folderId, fileName);
    if (clash && clash.id !== fileId) {
      throw new BoxHttpError(409, 'item_name_in_use', 'Item with the same name already exists', { conflicts: tree.mini(clash) });
    }
    if (o.sessionConflict) {
      const open = [...this.sessions.values()].find((s) => s.folderId === folderId && s.fileName === fileName && this.alive(s));
      if (open) throw new BoxHttpError(409, 'session_conflict', 'An upload session for this file already exists', { session: this.json(open) });
    }
    const s: EmuSession = {
      id: randomBytes(16).toString('hex').toUpperCase(), folderId, fileName, fileSize: size,
      partSize: o.partSize, totalParts: totalParts(size, o.partSize), createdAt: this.c.now(),
      parts: new Map(), inflight: new Set(), acceptedLeft: o.commitAcceptedCount, committing: false,
      ...(fileId !== undefined ? { fileId } : {}),
    };
    // The part file exists from the start so that commit finds it even for an empty upload.
    await (await this.c.store.openPart(s.id))?.close();
    this.sessions.set(s.id, s);
    this.c.counters.sessionCreated();
    sendResult(res, ctx, 201, this.json(s));
  }

  /** GET /2.0/files/upload_sessions/{id} */
  status(res: ServerResponse, id: string): void {
    sendJson(res, 200, this.json(this.live(id)));
  }

  /** DELETE /2.0/files/upload_sessions/{id}: discards everything; every later call is a 404. */
  async abort(res: ServerResponse, id: string): Promise<void> {
    this.live(id);
    this.sessions.delete(id);
    await this.c.store.removePart(id);
    this.c.counters.sessionDeleted();
    sendEmpty(res, 204);
  }

  /** GET /2.0/files/upload_sessions/{id}/parts?offset&limit; offset counts entries, not bytes. */
  list(req: IncomingMessage, res: ServerResponse, id: string): void {
    const s = this.live(id);
    const q = query(req);
    const offset = intParam(q, 'offset', 0);
    if (offset > MAX_LIST_OFFSET) throw new BoxHttpError(400, 'invalid_parameter', `offset must not exceed ${MAX_LIST_OFFSET}`);
    const limit = Math.min(Math.max(1, intParam(q, 'limit', this.c.o.maxPageLimit)), this.c.o.maxPageLimit);
    const all = [...s.parts.values()].sort((a, b) => a.offset - b.offset);
    sendJson(res, 200, {
      entries: all.slice(offset, offset + limit), limit, offset, total_count: all.length,
      order: [{ by: 'offset', direction: 'ASC' }],
    });
  }

  /** PUT /2.0/files/upload_sessions/{id}: one part, aligned, exactly part_size except the last. */
  async part(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, id: string): Promise<void> {
    const s = this.live(id);
    const digest = parseDigest(header(req, 'digest'), this.c.o.acceptSha256PartDigest);
    const rangeHeader = header(req, 'content-range');
    if (rangeHeader === undefined) throw new BoxHttpError(400, 'missing_content_range', 'Content-Range header is required');
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(rangeHeader.trim());
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2]);
    const total = Number(m?.[3]);
    const rangeError = (why: string): BoxHttpError => new BoxHttpError(416, 'requested_range_not_satisfiable', `Content-Range '${rangeHeader}' ${why}`);
    if (!m) throw rangeError('is malformed');
    if (total !== s.fileSize) throw rangeError(`does not match the session's file size ${s.fileSize}`);
    if (lo % s.partSize !== 0 || lo >= s.fileSize) throw rangeError(`must start at a multiple of the part size ${s.partSize} inside the file`);
    if (hi !== Math.min(lo + s.partSize, s.fileSize) - 1) throw rangeError('must cover exactly one part (the part size, or up to the end of the file for the last part)');
    const length = hi - lo + 1;
    const declared = header(req, 'content-length');
    if (declared !== undefined && Number(declared) !== length) throw rangeError(`does not match Content-Length ${declared}`);
    const existing = s.parts.get(lo);
    if (existing) {
      throw new BoxHttpError(416, 'range_overlaps_existing_part', 'Part overlaps with previously uploaded part', { conflicting_part: existing });
    }
    if (s.inflight.has(lo)) throw new BoxHttpError(409, 'conflict', `A part at offset ${lo} is being uploaded right now`);
    s.inflight.add(lo);
    let body;
    try {
      const fh = await this.c.store.openPart(s.id);
      try {
        body = await writePart(req, fh, lo, length, ctx, digest.algorithm === 'sha-256');
      } finally {
        await fh?.close();
      }
    } finally {
      s.inflight.delete(lo);
    }
    if (body.cut) {
      if (!res.destroyed) res.destroy();
      return;
    }
    if (this.sessions.get(id) !== s) throw new BoxHttpError(404, 'not_found', 'The upload session was aborted while this part was received');
    if (body.overlong || body.bytes !== length) throw rangeError(`does not match the ${body.overlong ? 'longer' : `${body.bytes}-byte`} body`);
    const actual = digest.algorithm === 'sha' ? body.sha1 : body.sha256!;
    if (!actual.equals(digest.value)) {
      throw new BoxHttpError(this.c.o.partDigestMismatchStatus, 'digest_mismatch', `Part digest was incorrect: the bytes received hash to ${actual.toString('base64')}`);
    }
    const part: BoxPart = { part_id: randomBytes(4).toString('hex').toUpperCase(), offset: lo, size: length, sha1: body.sha1.toString('hex') };
    s.parts.set(lo, part);
    sendResult(res, ctx, 200, { part });
  }

  /** POST /2.0/files/upload_sessions/{id}/commit */
  async commit(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, id: string): Promise<void> {
    const s = this.live(id);
    const digest = parseDigest(header(req, 'digest'), false);
    const body = (await readJson(req)) as { parts?: unknown } | undefined;
    checkCommitParts(s, body?.parts);
    if (s.committing || s.acceptedLeft > 0) {
      if (!s.committing) s.acceptedLeft--;
      sendEmpty(res, 202, { 'retry-after': String(this.c.o.retryAfterSeconds) });
      return;
    }
    s.committing = true;
    try {
      await this.place(s, digest.value, res, ctx);
    } finally {
      s.committing = false;
    }
  }

  private async place(s: EmuSession, claimed: Buffer, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const { tree, store } = this.c;
    const actual = store.discard ? claimed : await store.digest(store.partPath(s.id), 'sha1');
    if (!actual.equals(claimed)) {
      throw new BoxHttpError(400, 'digest_mismatch', `File digest was incorrect. Actual: ${actual.toString('base64')} Expected: ${claimed.toString('base64')}`);
    }
    const sha1 = actual.toString('hex');
    if (!tree.folder(s.folderId)) throw new BoxHttpError(404, 'not_found', `The destination folder ${s.folderId} no longer exists`);
    const clash = tree.named(s.folderId, s.fileName);
    if (clash && clash.id !== s.fileId) {
      throw new BoxHttpError(409, 'item_name_in_use', 'Item with the same name already exists', { conflicts: tree.mini(clash) });
    }
    let file;
    if (s.fileId !== undefined) {
      file = tree.file(s.fileId);
      if (!file) throw new BoxHttpError(404, 'not_found', `File ${s.fileId} no longer exists`);
      const oldPath = tree.filePath(file);
      file.name = s.fileName;
      await store.commit(s.id, tree.filePath(file), s.fileSize);
      // A version that renames the file leaves no copy under the old name.
      if (oldPath !== tree.filePath(file) && !store.discard) await fsp.rm(store.storedPath(oldPath), { force: true });
      Object.assign(file, { size: s.fileSize, sha1, version: file.version + 1 });
    } else {
      // Claim the name before the first await so that a concurrent commit or upload meets it.
      file = tree.addFile(s.folderId, s.fileName, s.fileSize, sha1);
      await store.commit(s.id, tree.filePath(file), s.fileSize).catch((e: unknown) => {
        tree.removeFile(file!.id);
        throw e;
      });
    }
    this.sessions.delete(s.id);
    sendResult(res, ctx, 201, { total_count: 1, entries: [tree.fileJson(file, await reportedSha1(this.c, file))] });
  }

  /** The session, or a 404 when unknown, aborted, committed or past its expiry. */
  private live(id: string): EmuSession {
    const s = this.sessions.get(id);
    if (!s || !this.alive(s)) {
      if (s) {
        this.sessions.delete(id);
        void this.c.store.removePart(id);
      }
      throw new BoxHttpError(404, 'not_found', `Could not find the upload session ${id}`);
    }
    return s;
  }

  private alive(s: EmuSession): boolean {
    return this.c.now() < s.createdAt + this.c.o.sessionTtlMs;
  }

  private json(s: EmuSession): BoxUploadSession {
    const base = `${this.c.uploadBase()}/2.0/files/upload_sessions/${s.id}`;
    return {
      id: s.id, type: 'upload_session',
      session_expires_at: new Date(s.createdAt + this.c.o.sessionTtlMs).toISOString(),
      part_size: s.partSize, total_parts: s.totalParts, num_parts_processed: s.parts.size,
      session_endpoints: { upload_part: base, commit: `${base}/commit`, abort: base, list_parts: `${base}/parts`, status: base, log_event: `${base}/log` },
    };
  }
}
