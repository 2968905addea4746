// The multipart request and the session reference. The request must be byte-for-byte the same
// value every time a file is started or resumed: Synapse keys uploads on (user, MD5 of the
// request), and that is what lets a restart under another entity name find the finished upload.
import { FerryError } from '../../common/errors.js';
import type { Json, UploadJob } from '../../engine/provider.js';
import { MAX_FILE_SIZE, MULTIPART_UPLOAD_REQUEST, VALID_NAME, defaultPartSize, type MultipartUploadRequest } from './wire.js';

export interface RequestSettings {
  /** Fixed part size in bytes (tests, or users who know better); default: defaultPartSize(size). */
  partSize?: number;
  contentType: string;
  storageLocationId: number | null;
  generatePreview: boolean;
}

export interface SynapseRef {
  uploadId: string;
  request: MultipartUploadRequest;
}

/**
 * Synapse validates the file-handle name with its entity-name rule, so characters outside it
 * are replaced. The replacement is a pure function of the local name, keeping the request stable.
 */
export function handleFileName(localName: string): string {
  const cleaned = [...localName].map((c) => (VALID_NAME.test(c) ? c : '_')).join('').slice(0, 256).trim();
  return cleaned === '' ? 'file' : cleaned;
}

export function buildRequest(job: UploadJob, s: RequestSettings): MultipartUploadRequest {
  const { file } = job;
  if (file.size === 0) {
    // The server refuses them ("File size must be at least one byte", PartUtils); the official
    // client refuses them before uploading too (synapseclient/models/services/manifest.py).
    throw new FerryError('bad-input', `Synapse cannot store empty files: ${file.path} is 0 bytes (Synapse requires at least one byte); it was not uploaded`, { file: file.path });
  }
  if (file.size > MAX_FILE_SIZE) {
    throw new FerryError('rejected', `${file.path} is larger than Synapse's 5 TB limit for one file`, { file: file.path });
  }
  const md5 = job.digests.md5;
  if (!md5) {
    throw new FerryError('internal', `the whole-file MD5 of ${file.path} was not computed before starting the Synapse upload`, { file: file.path });
  }
  return {
    concreteType: MULTIPART_UPLOAD_REQUEST,
    // The local name, not the target name (job.file.name follows the target): renaming the
    // target after a name conflict must leave the request, and so the server's key, unchanged.
    fileName: handleFileName(file.path.split(/[\\/]/).pop() || file.name),
    fileSizeBytes: file.size,
    contentMD5Hex: md5.toLowerCase(),
    partSizeBytes: partSizeFor(file.size, s),
    contentType: s.contentType,
    storageLocationId: s.storageLocationId,
    generatePreview: s.generatePreview,
  };
}

/** The part size of the request for a file of `size` bytes: known before the session, so the MD5 pass can hash parts too. */
export function partSizeFor(size: number, s: Pick<RequestSettings, 'partSize'>): number {
  return s.partSize ?? defaultPartSize(size);
}

export function toJson(ref: SynapseRef): Json {
  return { uploadId: ref.uploadId, request: { ...ref.request } as unknown as Json };
}

/** Reads a reference back from the journal; anything malformed is a journal problem, not the server's. */
export function parseRef(ref: Json): SynapseRef {
  const r = ref as { uploadId?: unknown; request?: Partial<MultipartUploadRequest> } | null;
  const q = r?.request;
  if (!r || typeof r.uploadId !== 'string' || !q || typeof q.fileName !== 'string' || typeof q.fileSizeBytes !== 'number'
    || typeof q.contentMD5Hex !== 'string' || typeof q.partSizeBytes !== 'number') {
    throw new FerryError('journal-corrupt', 'the saved Synapse upload reference is incomplete (uploadId or request missing)');
  }
  return { uploadId: r.uploadId, request: q as MultipartUploadRequest };
}
