// POST on the creation endpoint: Upload-Length or Upload-Defer-Length (exactly one), metadata,
// Tus-Max-Size, the remote path from metadata, and creation-with-upload when a body comes along.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../kit/emulator-host.js';
import { cleanRemotePath, type ConflictPolicy } from '../kit/file-store.js';
import { header } from '../kit/http-io.js';
import { appendBody, completeUpload, type DataEnv } from './emulator-data.js';
import type { TusUpload, UploadTable } from './emulator-uploads.js';
import { META_CONFLICT, META_PATH, OFFSET_CONTENT_TYPE, parseMetadata, parseNonNegativeInt, type TusExtension, type TusMetadata } from '../../providers/tus/wire.js';

export interface CreateEnv {
  env: DataEnv;
  table: UploadTable;
  has(e: TusExtension): boolean;
  basePath: string;
  baseUrl: string;
  relativeLocation: boolean;
  common(extra?: Record<string, string>): Record<string, string>;
  fail(req: IncomingMessage, res: ServerResponse, status: number, text: string, extra?: Record<string, string>): void;
  expiresHeader(u: TusUpload): Record<string, string>;
  created(): void;
}

const POLICIES: readonly ConflictPolicy[] = ['rename', 'replace', 'fail'];

export async function createUpload(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, c: CreateEnv): Promise<void> {
  const { env, table, fail } = c;
  // Reading a body to its end can drop `req.socket`; keep our own for the commit-then-reset fault.
  const socket = req.socket;
  if (header(req, 'upload-concat') !== undefined) return fail(req, res, 400, 'the concatenation extension is not supported');
  const lengthHeader = header(req, 'upload-length');
  const deferHeader = header(req, 'upload-defer-length');
  if ((lengthHeader === undefined) === (deferHeader === undefined)) return fail(req, res, 400, 'send exactly one of Upload-Length and Upload-Defer-Length');
  if (deferHeader !== undefined && (deferHeader !== '1' || !c.has('creation-defer-length'))) return fail(req, res, 400, 'Upload-Defer-Length must be 1 (creation-defer-length)');
  const length = lengthHeader === undefined ? undefined : parseNonNegativeInt(lengthHeader);
  if (lengthHeader !== undefined && length === undefined) return fail(req, res, 400, 'Upload-Length must be a non-negative integer');
  if (length !== undefined && env.maxSize !== undefined && length > env.maxSize) return fail(req, res, 413, `Upload-Length ${length} exceeds Tus-Max-Size ${env.maxSize}`);

  const metadataHeader = header(req, 'upload-metadata');
  let metadata: TusMetadata = {};
  try {
    if (metadataHeader !== undefined) metadata = parseMetadata(metadataHeader);
  } catch (e) {
    return fail(req, res, 400, (e as Error).message);
  }
  const conflict = (metadata[META_CONFLICT] ?? 'rename') as ConflictPolicy;
  if (!POLICIES.includes(conflict)) return fail(req, res, 400, `metadata ${META_CONFLICT} must be one of ${POLICIES.join(', ')}`);
  let remotePath: string | undefined;
  const wanted = metadata[META_PATH];
  if (wanted) {
    try {
      remotePath = cleanRemotePath(wanted);
    } catch (e) {
      return fail(req, res, 400, `metadata ${META_PATH} is not a usable path: ${(e as Error).message}`);
    }
    if (conflict === 'fail' && (await env.store.exists(remotePath))) return fail(req, res, 409, `a file already exists at ${remotePath}`);
  }

  const u = table.add({ length, metadataHeader, metadata, remotePath: remotePath ?? '', conflict });
  if (!remotePath) u.remotePath = `/uploads/${u.id}`;
  c.created();
  const location = c.relativeLocation ? `${c.basePath}${u.id}` : `${c.baseUrl}${c.basePath}${u.id}`;

  const withData = c.has('creation-with-upload') && header(req, 'content-type') === OFFSET_CONTENT_TYPE;
  if (withData) {
    const r = await table.withLock(u.id, 'serialise', () => appendBody(req, ctx, u, env));
    if (r !== 'locked' && r.kind === 'error') {
      // The upload exists even though its first bytes were refused; the client can PATCH them again.
      return fail(req, res, r.status, r.text, { location });
    }
    if (r === 'locked' || r.kind === 'client-gone' || res.destroyed) return;
  } else {
    req.resume();
  }
  // Upload-Length: 0 is complete at creation.
  if (u.length === u.offset && !u.complete) await completeUpload(u, env.store);
  if (ctx.fault?.kind === 'commit-then-reset') { socket.destroy(); return; }
  res.writeHead(201, c.common({
    location,
    'content-length': '0',
    ...(withData ? { 'upload-offset': String(u.offset) } : {}),
    ...c.expiresHeader(u),
  }));
  res.end();
}
