// Simple (non-chunked) uploads: POST /2.0/files/content and /2.0/files/{id}/content with a
// multipart body (`attributes` JSON, then `file`), and their OPTIONS pre-flight checks.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { RequestContext } from '../kit/emulator-host.js';
import { header, readBinary, readJson, sendJson } from '../kit/http-io.js';
import { type BoxEmuContext, checkStorage, reportedSha1 } from './emulator-context.js';
import { BoxHttpError, sendResult } from './emulator-reply.js';
import { type TreeFile, validItemName } from './emulator-tree.js';
import { boundaryOf, MultipartError, parseMultipart } from '../../providers/box/multipart.js';

interface Attributes {
  name?: unknown;
  parent?: { id?: unknown };
}

export class BoxSimpleUploads {
  constructor(private readonly c: BoxEmuContext) {}

  /** Where a new file or a new version would go; throws the Box error the upload would get. */
  private destination(attrs: Attributes, fileId: string | undefined): { folderId: string; name: string; file?: TreeFile } {
    const { tree } = this.c;
    if (fileId !== undefined) {
      const file = tree.file(fileId);
      if (!file) throw new BoxHttpError(404, 'not_found', `Could not find the specified resource: file ${fileId}`);
      if (attrs.name !== undefined && !validItemName(attrs.name)) throw new BoxHttpError(400, 'item_name_invalid', 'Item name invalid');
      const name = (attrs.name as string | undefined) ?? file.name;
      const clash = tree.named(file.parentId, name);
      if (clash && clash.id !== file.id) throw new BoxHttpError(409, 'item_name_in_use', 'Item with the same name already exists', { conflicts: tree.mini(clash) });
      return { folderId: file.parentId, name, file };
    }
    const folderId = attrs.parent?.id;
    if (typeof folderId !== 'string' && typeof folderId !== 'number') throw new BoxHttpError(400, 'missing_destination', 'attributes.parent.id is required');
    if (!validItemName(attrs.name)) throw new BoxHttpError(400, 'item_name_invalid', 'Item name invalid');
    if (!tree.folder(String(folderId))) throw new BoxHttpError(404, 'not_found', `Could not find the specified resource: folder ${folderId}`);
    const clash = tree.named(String(folderId), attrs.name);
    if (clash) throw new BoxHttpError(409, 'item_name_in_use', 'Item with the same name already exists', { conflicts: tree.mini(clash) });
    return { folderId: String(folderId), name: attrs.name };
  }

  /** OPTIONS /2.0/files/content (and /2.0/files/{id}/content): would this upload be accepted? */
  async preflight(req: IncomingMessage, res: ServerResponse, fileId?: string): Promise<void> {
    const body = ((await readJson(req)) ?? {}) as Attributes & { size?: unknown };
    if (body.size !== undefined && (typeof body.size !== 'number' || body.size < 0)) throw new BoxHttpError(400, 'bad_request', 'size must be a non-negative number');
    if (typeof body.size === 'number' && body.size > this.c.o.maxSimpleUploadSize) {
      throw new BoxHttpError(413, 'file_size_limit_exceeded', `File size ${body.size} exceeds the simple upload limit ${this.c.o.maxSimpleUploadSize}; use an upload session`);
    }
    const dest = this.destination(body, fileId);
    // The pre-flight checks "any folder and account storage quotas" (developer.box.com guides/uploads/check).
    if (typeof body.size === 'number') checkStorage(this.c, body.size, dest.file?.size ?? 0);
    const target = fileId === undefined ? 'content' : `${encodeURIComponent(fileId)}/content`;
    sendJson(res, 200, { upload_url: `${this.c.uploadBase()}/2.0/files/${target}`, upload_token: null });
  }

  async upload(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, fileId?: string): Promise<void> {
    const boundary = boundaryOf(header(req, 'content-type'));
    if (!boundary) throw new BoxHttpError(400, 'bad_request', 'Content-Type must be multipart/form-data with a boundary');
    // Headroom over the file limit for the attributes part and the boundaries.
    const { data, complete } = await readBinary(req, this.c.o.maxSimpleUploadSize + 64 * 1024, ctx).catch(() => {
      throw new BoxHttpError(413, 'file_size_limit_exceeded', `The body exceeds the simple upload limit ${this.c.o.maxSimpleUploadSize}`);
    });
    if (!complete) {
      res.destroy();
      return;
    }
    let parts;
    try {
      parts = parseMultipart(data, boundary);
    } catch (e) {
      throw new BoxHttpError(400, 'bad_request', `Malformed multipart body: ${(e as MultipartError).message}`);
    }
    const attrIndex = parts.findIndex((p) => p.name === 'attributes');
    const fileIndex = parts.findIndex((p) => p.name === 'file');
    if (attrIndex < 0 || fileIndex < 0) throw new BoxHttpError(400, 'bad_request', 'The body needs an attributes part and a file part');
    if (attrIndex > fileIndex) throw new BoxHttpError(400, 'metadata_after_file_contents', 'The attributes part must come before the file part');
    let attrs: Attributes;
    try {
      attrs = JSON.parse(parts[attrIndex]!.data.toString('utf8')) as Attributes;
    } catch {
      throw new BoxHttpError(400, 'bad_request', 'attributes is not valid JSON');
    }
    const bytes = parts[fileIndex]!.data;
    if (bytes.length > this.c.o.maxSimpleUploadSize) {
      throw new BoxHttpError(413, 'file_size_limit_exceeded', `File size ${bytes.length} exceeds the simple upload limit ${this.c.o.maxSimpleUploadSize}`);
    }
    const dest = this.destination(attrs ?? {}, fileId);
    checkStorage(this.c, bytes.length, dest.file?.size ?? 0);
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    const { tree, store } = this.c;
    let file: TreeFile;
    if (dest.file) {
      file = dest.file;
      const oldPath = tree.filePath(file);
      file.name = dest.name;
      await store.put(tree.filePath(file), bytes);
      if (oldPath !== tree.filePath(file) && !store.discard) await fsp.rm(store.storedPath(oldPath), { force: true });
      Object.assign(file, { size: bytes.length, sha1, version: file.version + 1 });
    } else {
      // Claimed before the first await, so a concurrent upload of the same name gets its 409.
      file = tree.addFile(dest.folderId, dest.name, bytes.length, sha1);
      const created = file;
      await store.put(tree.filePath(file), bytes).catch((e: unknown) => {
        tree.removeFile(created.id);
        throw e;
      });
    }
    sendResult(res, ctx, 201, { total_count: 1, entries: [tree.fileJson(file, await reportedSha1(this.c, file))] });
  }
}
