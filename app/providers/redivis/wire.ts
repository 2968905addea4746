// Redivis and GCS wire shapes and limits (protocols.md section 3). Redivis hands out Google Cloud
// Storage resumable session URIs, so the chunk protocol below is GCS's: 308 + `Range` while
// incomplete, 200 + object resource on the last byte.

/** GCS granule: non-final chunks must be at least this big and should be multiples of it. */
export const GRANULE = 262_144;
export const DEFAULT_CHUNK = 16 * 1024 * 1024;
export const MAX_CHUNK = 256 * 1024 * 1024;
/** Redivis documents 24 h for resumable uploads (GCS itself keeps sessions up to a week). */
export const REDIVIS_SESSION_TTL_MS = 24 * 60 * 60 * 1000;
export const GCS_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** GCS's own words for a short non-final chunk (FAKE-GCS issue #1080, reporting live GCS). */
export const SHORT_CHUNK_MESSAGE =
  'Invalid request. The number of bytes uploaded is required to be equal or greater than 262144, except for the final request (it\'s recommended to be the exact multiple of 262144). The received request contained %d bytes, which does not meet this requirement.';

/** `POST /api/v1/tables/{table}/resumableUpload` answer. */
export interface ResumableUpload {
  kind: 'resumableUpload';
  id: string;
  url: string;
}

/** `POST /api/v1/tables/{table}/tempUploads` request item and answer item (current API). */
export interface TempUploadRequest {
  size: number;
  name: string;
  resumable?: boolean;
}
export interface TempUpload {
  kind: 'tempUpload';
  id: string;
  url: string;
  name: string;
  size: number;
  resumable: boolean;
}

/** `POST /api/v1/tables/{table}/tempUploads` answer (results in request order). */
export interface TempUploadList {
  kind: 'tempUploadList';
  results: TempUpload[];
}

export type UploadStatus = 'queued' | 'running' | 'completed' | 'failed';

/** The Redivis `upload` resource (fields the client reads, plus a few for realism). */
export interface UploadResource {
  kind: 'upload';
  /** Path relative to the API base (`/api/v1`); the doc's example is `/tables/{table}/uploads/{id}`. */
  uri: string;
  id?: number;
  name: string;
  /** "The md5 hash of the upload's file content" (docs.redivis.com/api/resource-definitions/upload); null before processing. */
  hash?: string | null;
  type: string;
  status: UploadStatus;
  size: number;
  createdAt: number;
  updatedAt: number;
  errorMessage: string | null;
}

/** Redivis error body (REDIVIS-PY `raise_api_error`). */
export interface RedivisErrorBody {
  error: string;
  error_description: string;
  status: number;
}

/** GCS object resource as returned on the final chunk (only fields clients read are typed). */
export interface GcsObject {
  kind: 'storage#object';
  id: string;
  bucket: string;
  name: string;
  /** Decimal string, as GCS sends it. */
  size: string;
  /** Base64 MD5 (absent in discard mode, where nothing is hashed). */
  md5Hash?: string;
  /** Base64 big-endian CRC32C. */
  crc32c?: string;
  generation: string;
  metageneration: string;
  contentType: string;
  etag: string;
  timeCreated: string;
  updated: string;
}

/** GCS JSON-API error body. */
export interface GcsErrorBody {
  error: { code: number; message: string; errors?: { message: string; domain: string; reason: string }[] };
}

/**
 * A parsed `Content-Range` on a session PUT. `first`/`last` are absent for a status query
 * (`bytes * /total`); `last` is absent for a streamed body (`bytes 0-* /*`); `total` is absent
 * when the client does not know it yet (`/*`).
 */
export interface ContentRange {
  first?: number;
  last?: number;
  total?: number;
  /** `bytes 0--1/0`: the Redivis Python client's malformed range for an empty file (3.3). */
  emptyFile?: boolean;
}

const RANGE_RE = /^bytes (?:(\*)|(\d+)-(\d+|\*)|(0--1))\/(\d+|\*)$/;

/** Parses a session PUT's Content-Range; undefined when malformed. */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (value === undefined) return undefined;
  const m = RANGE_RE.exec(value.trim());
  if (!m) return undefined;
  const total = m[5] === '*' ? undefined : Number(m[5]);
  if (m[4]) return total === 0 ? { first: 0, total: 0, emptyFile: true } : undefined;
  if (m[1]) return total === undefined ? {} : { total };
  const first = Number(m[2]);
  const last = m[3] === '*' ? undefined : Number(m[3]);
  if (last !== undefined && last < first) return undefined;
  if (total !== undefined && last !== undefined && last >= total) return undefined;
  return { first, ...(last !== undefined ? { last } : {}), ...(total !== undefined ? { total } : {}) };
}

/** `Content-Range` for bytes [offset, offset+length) of a `total`-byte file; a status query when length is 0. */
export function contentRange(offset: number, length: number, total: number): string {
  return length === 0 ? `bytes */${total}` : `bytes ${offset}-${offset + length - 1}/${total}`;
}

/** Bytes held according to a 308's `Range: bytes=0-N` (N+1); 0 when the header is absent. Undefined when unreadable. */
export function heldFromRange(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return 0;
  const m = /^bytes=0-(\d+)$/.exec(value.trim());
  return m ? Number(m[1]) + 1 : undefined;
}

/**
 * The path segment the official clients use for an upload's own URI, `{table.uri}/uploads/{segment}`:
 * every '.' of the name becomes '_', then Python's `quote(name, '')` (only `A-Za-z0-9_.-~` stay
 * literal). Sources: redivis-python `src/redivis/classes/Upload.py` (`Upload.__init__`, `create`),
 * redivis-r `R/Upload.R` (`gsub('\\.', '_', name)`, `URLencode(reserved = TRUE)`).
 */
export function uploadNameSegment(name: string): string {
  return encodeURIComponent(name.replace(/\./g, '_')).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `x-goog-hash: crc32c=<b64>,md5=<b64>` (GCS may also send one header per digest, which HTTP
 * joins with ", "). Returns the base64 values it finds.
 */
export function parseGoogHash(value: string | undefined): { crc32c?: string; md5?: string } {
  const out: { crc32c?: string; md5?: string } = {};
  for (const part of (value ?? '').split(',')) {
    const m = /^\s*(crc32c|md5)=([A-Za-z0-9+/=]+)\s*$/.exec(part);
    if (m) out[m[1] as 'crc32c' | 'md5'] = m[2]!;
  }
  return out;
}
