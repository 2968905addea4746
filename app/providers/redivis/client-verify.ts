// What the finished upload is reported as, checked against what the provider told us: the
// session's own digest (GCS object `crc32c`/`md5Hash`, or `x-goog-hash` on an XML-API session's
// empty answer) and the processed Redivis upload's `hash` and `size` ("The md5 hash of the
// upload's file content", docs.redivis.com/api/resource-definitions/upload). The engine compares
// the reported digest with the local file's: the session's CRC32C when it sent one, else an MD5
// (which the engine has not computed, so the item is then done but not verified); else none.
import { FerryError } from '../../common/errors.js';
import type { RemoteFile, UploadJob } from '../../engine/provider.js';
import type { UploadResource } from './wire.js';

export function verifiedResult(stored: RemoteFile | undefined, done: UploadResource, table: string, job: UploadJob): RemoteFile {
  const file = job.file.path;
  const reportedSize = done.size === undefined || done.size === null ? undefined : Number(done.size);
  if (reportedSize !== undefined && Number.isFinite(reportedSize) && reportedSize !== job.file.size) {
    throw new FerryError('integrity', `Redivis reports ${reportedSize} bytes for "${done.name}" on table ${table}, but ${job.file.name} has ${job.file.size}`, { file });
  }
  const sessionHash = stored?.hash;
  const fromSession = sessionHash?.algorithm === 'md5' ? sessionHash.value : undefined;
  const fromUpload = md5FromRedivis(done.hash);
  if (fromSession && fromUpload && fromSession !== fromUpload) {
    throw new FerryError('integrity', `Redivis's upload "${done.name}" on table ${table} has MD5 ${fromUpload}, but the storage session reported ${fromSession} for ${job.file.name}`, { file });
  }
  // The session's CRC32C when it gave one (the engine computed it too, at almost no cost); else an MD5.
  const md5 = fromSession ?? fromUpload;
  const hash = sessionHash?.algorithm === 'crc32c' ? sessionHash : md5 ? { algorithm: 'md5' as const, value: md5 } : undefined;
  return {
    path: `/${table}/${done.name}`, id: done.uri, size: stored?.size ?? job.file.size,
    ...(hash ? { hash } : {}),
  };
}

/** The doc does not say how `hash` is encoded: hex (32 digits) and base64 (of 16 bytes, as GCS) are both read. */
export function md5FromRedivis(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (/^[0-9a-fA-F]{32}$/.test(v)) return v.toLowerCase();
  if (/^[A-Za-z0-9+/]{22}==$/.test(v)) return Buffer.from(v, 'base64').toString('hex');
  return undefined;
}
