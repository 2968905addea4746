// UCloud wire format: `files.createUpload` (JSON, BulkRequest/BulkResponse) and the CHUNKED
// protocol's `uploadChunk` (raw POST body, token and offset in headers). Shared by the client
// and the emulator; nothing here leaves the provider folder.

/** `MAX_CHUNK_SIZE` of `ChunkedUploadProtocol.kt`: clients MUST NOT send more per request. */
export const MAX_CHUNK_SIZE = 32_000_000;
/** The web client's chunk size (`UploadConfig`). */
export const DEFAULT_CHUNK_SIZE = 16_000_000;
/** A session MUST stay alive at least this long after its last activity. */
export const MIN_SESSION_IDLE_MS = 30 * 60_000;
/** Providers SHOULD NOT keep a session longer than this (and are recommended to keep it this long). */
export const MAX_SESSION_AGE_MS = 48 * 3600_000;
/**
 * im2 deletes WEBSOCKET_V2 sessions older than 7 days whenever a new one is created
 * (`provider-integration/im2/pkg/controller/files.go`, createUploadSessionCall).
 */
export const WS_SESSION_MAX_AGE_MS = 7 * 24 * 3600_000;
/** `BulkRequest` bounds (`ApiConventions.kt`). */
export const MAX_BULK_ITEMS = 1000;

export const CREATE_UPLOAD_PATH = '/api/files/upload';
/** `files.retrieve`: a file's metadata by path (UFile: `status.sizeInBytes`, `status.modifiedAt`). */
export const RETRIEVE_PATH = '/api/files/retrieve';

export interface UFileLite {
  id: string;
  status: { type: 'FILE' | 'DIRECTORY'; sizeInBytes?: number; modifiedAt?: number };
}

export const HEADER_TOKEN = 'Chunked-Upload-Token';
export const HEADER_OFFSET = 'Chunked-Upload-Offset';
export const HEADER_TOTAL_SIZE = 'Chunked-Upload-Total-Size';

export const UPLOAD_PROTOCOLS = ['CHUNKED', 'WEBSOCKET', 'WEBSOCKET_V1', 'WEBSOCKET_V2'] as const;
export type UploadProtocol = (typeof UPLOAD_PROTOCOLS)[number];

export const WRITE_CONFLICT_POLICIES = ['RENAME', 'REJECT', 'REPLACE', 'MERGE_RENAME'] as const;
export type WriteConflictPolicy = (typeof WRITE_CONFLICT_POLICIES)[number];

export interface CreateUploadItem {
  /** Full target file path, collection id first: '/123/folder/file.bin'. */
  id: string;
  type: 'FILE' | 'FOLDER';
  supportedProtocols: UploadProtocol[];
  conflictPolicy: WriteConflictPolicy;
}

export interface BulkRequest<T> {
  items: T[];
}

export interface CreateUploadResponseItem {
  endpoint: string;
  protocol: UploadProtocol;
  token: string;
}

export interface BulkResponse<T> {
  responses: T[];
}

/** `CommonErrorMessage`. */
export interface CommonErrorMessage {
  why: string;
  errorCode?: string;
}

/** The IM1 reference server's 400/404 texts, reproduced exactly. */
export const IM1_MESSAGES = {
  badOffset: 'Missing or invalid offset',
  badToken: 'Missing or invalid token',
  missingTotal: 'Missing total size',
  unknownToken: 'Invalid token supplied',
  sessionGone: 'Upload session is no longer valid',
  protocolNotSupported: 'Upload protocol not supported',
  emptyBulk: 'Request must not be empty',
  bulkTooLarge: `Request cannot exceed ${MAX_BULK_ITEMS} items`,
} as const;
