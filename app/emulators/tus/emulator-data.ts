// Receiving upload bytes (PATCH, or POST with creation-with-upload): stream to the part file,
// hash while writing when the client sent Upload-Checksum, roll back to the old offset on a
// mismatch or a checksummed body that ended early, keep partial data of an interrupted body
// otherwise (spec SHOULD), and lay the file out under its remote path once it is complete.
import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../kit/emulator-host.js';
import type { FileStore } from '../kit/file-store.js';
import { header, writeBody } from '../kit/http-io.js';
import type { TusUpload, UploadTable } from './emulator-uploads.js';
import { parseChecksumHeader, parseNonNegativeInt, STATUS_CHECKSUM_MISMATCH } from '../../providers/tus/wire.js';

export interface DataEnv {
  store: FileStore;
  table: UploadTable;
  /** Algorithms accepted in Upload-Checksum; empty when the checksum extension is off. */
  checksums: ReadonlySet<string>;
  maxSize: number | undefined;
  /** Test hook: this many checksummed bodies are treated as damaged in transit. */
  corruption: { left: number };
  /** Space left for upload bytes, and how the server says it ran out; undefined: unlimited. */
  disk?: { free: number; answer: DiskFullAnswer };
}

/**
 * What a tus server answers when its disk fills (ENOSPC) while it writes a body:
 * - 'tusd': 500 `ERR_INTERNAL_SERVER_ERROR: write <upload dir>/<id>: no space left on device`
 *   (pkg/filestore WriteChunk returns the os error; pkg/handler sendError wraps any non-handler
 *   error that way).
 * - 'tus-node-server': 500 `Something went wrong receiving the file` (@tus/file-store turns
 *   every write error into ERRORS.FILE_WRITE_ERROR, packages/utils/src/constants.ts).
 * - 'insufficient-storage': 507 [U]: a server or proxy that uses the HTTP status for it.
 */
export type DiskFullAnswer = 'tusd' | 'tus-node-server' | 'insufficient-storage';

function diskFull(env: DataEnv, u: TusUpload): AppendResult {
  const answer = env.disk?.answer ?? 'tusd';
  if (answer === 'tus-node-server') return { kind: 'error', status: 500, text: 'Something went wrong receiving the file' };
  if (answer === 'insufficient-storage') return { kind: 'error', status: 507, text: 'Insufficient Storage' };
  return { kind: 'error', status: 500, text: `ERR_INTERNAL_SERVER_ERROR: write ./data/${u.id}: no space left on device` };
}

export type AppendResult =
  | { kind: 'ok' }
  | { kind: 'error'; status: number; text: string }
  /** The body ended early (client went away or a fault cut it): nobody is left to answer. */
  | { kind: 'client-gone' };

export async function appendBody(req: IncomingMessage, ctx: RequestContext, u: TusUpload, env: DataEnv): Promise<AppendResult> {
  let checksum: { algorithm: string; digest: Buffer } | undefined;
  const checksumHeader = header(req, 'upload-checksum');
  // A server without the checksum extension ignores the header, as @tus/server does.
  if (checksumHeader !== undefined && env.checksums.size > 0) {
    checksum = parseChecksumHeader(checksumHeader);
    if (!checksum) return { kind: 'error', status: 400, text: 'Upload-Checksum is malformed' };
    if (!env.checksums.has(checksum.algorithm)) return { kind: 'error', status: 400, text: `checksum algorithm ${checksum.algorithm} is not supported` };
  }
  const lengthHeader = header(req, 'content-length');
  const declared = parseNonNegativeInt(lengthHeader);
  if (lengthHeader !== undefined && declared === undefined) return { kind: 'error', status: 400, text: 'Content-Length is invalid' };
  if (declared !== undefined && u.length !== undefined && u.offset + declared > u.length) {
    return { kind: 'error', status: 413, text: `body of ${declared} bytes at offset ${u.offset} goes past Upload-Length ${u.length}` };
  }
  if (declared !== undefined && u.length === undefined && env.maxSize !== undefined && u.offset + declared > env.maxSize) {
    return { kind: 'error', status: 413, text: `upload would exceed Tus-Max-Size ${env.maxSize}` };
  }
  if (declared === 0) return { kind: 'ok' };
  // [U] Real servers keep the bytes written before ENOSPC; the emulator refuses the body whole.
  if (env.disk && declared !== undefined && declared > env.disk.free) {
    req.resume();
    return diskFull(env, u);
  }

  const fh = await env.store.openPart(u.id);
  let result;
  try {
    result = await writeBody(req, {
      ...(fh ? { fh } : {}),
      position: u.offset,
      expected: declared ?? Number.MAX_SAFE_INTEGER,
      hashes: checksum ? [checksum.algorithm] : [],
      ctx,
    });
  } finally {
    await fh?.close();
  }
  const full = declared !== undefined ? result.complete : req.complete && ctx.fault?.kind !== 'truncate';
  const rollBack = async (): Promise<void> => env.store.truncatePart(u.id, u.offset);

  // A chunked body has no declared length to check up front.
  if (u.length !== undefined && u.offset + result.bytes > u.length) {
    await rollBack();
    return { kind: 'error', status: 413, text: `body goes past Upload-Length ${u.length}` };
  }
  if (env.disk && result.bytes > env.disk.free) {
    await rollBack();
    return diskFull(env, u);
  }
  if (checksum) {
    // The digest covers the whole body: a partial one can be neither verified nor kept.
    if (!full) {
      await rollBack();
      return { kind: 'client-gone' };
    }
    let good = result.digests[checksum.algorithm]?.equals(checksum.digest) ?? false;
    if (env.corruption.left > 0) {
      env.corruption.left--;
      good = false;
    }
    if (!good) {
      await rollBack();
      return { kind: 'error', status: STATUS_CHECKSUM_MISMATCH, text: 'Checksum Mismatch' };
    }
  }
  u.offset += result.bytes;
  if (env.disk) env.disk.free -= result.bytes;
  env.table.touch(u);
  if (u.length !== undefined && u.offset === u.length) await completeUpload(u, env.store);
  return full ? { kind: 'ok' } : { kind: 'client-gone' };
}

/**
 * Moves a finished upload to its remote path. tus has no conflict answer once bytes are in, so
 * a 'fail' policy (checked at creation) that meets a file created meanwhile falls back to rename.
 */
export async function completeUpload(u: TusUpload, store: FileStore): Promise<void> {
  u.complete = true;
  const finalPath = await store.placeFor(u.remotePath, u.conflict === 'fail' ? 'rename' : u.conflict);
  if (u.offset === 0) await store.put(finalPath, Buffer.alloc(0));
  else await store.commit(u.id, finalPath, u.offset);
}
