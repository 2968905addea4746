// Box wire shapes (BOX-OAS) and limits, shared by the client and the emulator.
// Only this folder knows these shapes; the engine sees sessions, parts and FerryErrors.

/** Smallest file Box accepts in an upload session (guide: "minimum size of 20MB"; exact value [U]). */
export const MIN_SESSION_FILE_SIZE = 20_000_000;
/** The part size every documented example shows; the real policy is not documented [U]. */
export const DEFAULT_PART_SIZE = 8_388_608;
/** Upload sessions live 7 days. */
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** list_parts and folder items: at most this many entries a page. */
export const MAX_PAGE_LIMIT = 1000;
/** list_parts: an `offset` above this is rejected with 400. */
export const MAX_LIST_OFFSET = 10_000;
/** Folder items: an `offset` above this is rejected with 400 (BOX-OAS GET /folders/{id}/items); page by marker instead. */
export const MAX_ITEMS_OFFSET = 10_000;
/** Largest body Box accepts through the simple (non-chunked) upload. */
export const MAX_SIMPLE_UPLOAD_SIZE = 50 * 1024 * 1024;
export const ROOT_FOLDER_ID = '0';

export interface BoxSessionEndpoints {
  upload_part: string;
  commit: string;
  abort: string;
  list_parts: string;
  status: string;
  log_event?: string;
}

export interface BoxUploadSession {
  id: string;
  type: 'upload_session';
  session_expires_at: string;
  part_size: number;
  total_parts: number;
  num_parts_processed: number;
  session_endpoints: BoxSessionEndpoints;
}

/** One uploaded part; `sha1` is hex. Commit must send these back exactly as the server gave them. */
export interface BoxPart {
  part_id: string;
  offset: number;
  size: number;
  sha1: string;
}

export interface BoxUploadedPart {
  part: BoxPart;
}

export interface BoxParts {
  entries: BoxPart[];
  limit: number;
  offset: number;
  total_count: number;
  order?: { by: string; direction: string }[];
}

export interface BoxMiniItem {
  type: 'file' | 'folder';
  id: string;
  name: string;
  etag?: string;
  sequence_id?: string;
  sha1?: string;
}

export interface BoxFile extends BoxMiniItem {
  type: 'file';
  size: number;
  sha1: string;
  parent: { type: 'folder'; id: string; name?: string };
  file_version?: { type: 'file_version'; id: string; sha1: string };
}

export interface BoxFolder extends BoxMiniItem {
  type: 'folder';
  parent: { type: 'folder'; id: string; name?: string } | null;
}

export interface BoxFiles {
  total_count: number;
  entries: BoxFile[];
}

/** A folder listing page: offset paging fills total_count/offset/order, marker paging next_marker. */
export interface BoxItems {
  entries: BoxMiniItem[];
  limit: number;
  total_count?: number;
  offset?: number;
  order?: { by: string; direction: string }[];
  /** Marker paging: where the next page starts; null (or absent) on the last page. */
  next_marker?: string | null;
}

/** Box's ClientError body (section 5.7). */
export interface BoxErrorBody {
  type: 'error';
  status: number;
  code: string;
  message: string;
  context_info?: {
    /** An object for file uploads, an array for folder creation. */
    conflicts?: BoxMiniItem | BoxMiniItem[];
    conflicting_part?: BoxPart;
    session?: BoxUploadSession;
  };
  help_url?: string;
  request_id?: string;
}

/** RFC 3230 `Digest: sha=<base64>` from a hex SHA-1. */
export function shaDigestHeader(hexSha1: string): string {
  return `sha=${Buffer.from(hexSha1, 'hex').toString('base64')}`;
}

/** `Content-Range: bytes lo-hi/total` for a part of `size` bytes at `offset`. */
export function contentRange(offset: number, size: number, total: number): string {
  return `bytes ${offset}-${offset + size - 1}/${total}`;
}

export function totalParts(fileSize: number, partSize: number): number {
  return Math.ceil(fileSize / partSize);
}
