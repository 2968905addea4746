// Synapse wire shapes and limits (protocols.md section 2). Only this folder sees them.

export const MULTIPART_UPLOAD_REQUEST = 'org.sagebionetworks.repo.model.file.MultipartUploadRequest';
export const FILE_ENTITY = 'org.sagebionetworks.repo.model.FileEntity';
export const FOLDER_ENTITY = 'org.sagebionetworks.repo.model.Folder';
export const PROJECT_ENTITY = 'org.sagebionetworks.repo.model.Project';
export const ERROR_RESPONSE = 'org.sagebionetworks.repo.model.ErrorResponse';
export const S3_FILE_HANDLE = 'org.sagebionetworks.repo.model.file.S3FileHandle';

const MiB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
export const MAX_FILE_SIZE = 5 * 1024 ** 4;
/** Presigned part URLs are valid this long (PRE_SIGNED_URL_EXPIRATION_MS). */
export const PRESIGNED_TTL_MS = 15 * 60_000;
/** Upload records untouched this long are cleared by the server's cleanup worker. */
export const UPLOAD_EXPIRE_MS = 30 * 24 * 3600_000;
export const DEFAULT_STORAGE_LOCATION_ID = 1;

/** POST /file/multipart body. Field values, not key order, decide the server's idempotency key. */
export interface MultipartUploadRequest {
  concreteType?: string;
  fileName: string;
  fileSizeBytes: number;
  contentMD5Hex: string;
  partSizeBytes: number;
  contentType?: string | null;
  storageLocationId?: number | null;
  generatePreview?: boolean | null;
}

export type MultipartUploadState = 'UPLOADING' | 'COMPLETED';

export interface MultipartUploadStatus {
  uploadId: string;
  startedBy: string;
  startedOn: string;
  updatedOn: string;
  /** One char per part, '1' = added; index 0 is part 1. */
  partsState: string;
  state: MultipartUploadState;
  resultFileHandleId?: string | null;
}

export interface BatchPresignedUploadUrlRequest {
  uploadId: string;
  partNumbers: number[];
  contentType?: string;
}

export interface PartPresignedUrl {
  partNumber: number;
  uploadPresignedUrl: string;
  signedHeaders?: Record<string, string> | null;
}

export interface BatchPresignedUploadUrlResponse {
  partPresignedUrls: PartPresignedUrl[];
}

export interface AddPartResponse {
  uploadId: string;
  partNumber: number;
  addPartState: 'ADD_SUCCESS' | 'ADD_FAILED';
  errorMessage?: string | null;
}

export interface ErrorResponse {
  concreteType?: string;
  reason: string;
  errorCode?: string;
}

export interface FileEntityRequest {
  concreteType: string;
  name: string;
  parentId: string;
  dataFileHandleId: string;
}

export interface FileEntity extends FileEntityRequest {
  id: string;
  /** Changes on every update; a PUT must carry the current one, else 412 (optimistic concurrency). */
  etag: string;
  createdBy: string;
  createdOn: string;
  versionNumber: number;
  versionLabel?: string;
  versionComment?: string;
}

export interface S3FileHandle {
  concreteType: string;
  id: string;
  createdBy: string;
  createdOn: string;
  fileName: string;
  contentType: string;
  contentMd5: string;
  contentSize: number;
  storageLocationId: number;
  etag: string;
}

/** Part size the official client would use: max(8 MiB, ceil(size / 10,000)), rounded up to whole MiB. */
export function defaultPartSize(fileSize: number): number {
  const needed = Math.ceil(fileSize / MAX_PARTS);
  return Math.max(8 * MiB, Math.ceil(needed / MiB) * MiB);
}

export function numberOfParts(fileSize: number, partSize: number): number {
  return partSize > fileSize ? 1 : Math.ceil(fileSize / partSize);
}

/**
 * Entity-name rule: ModelConstants.VALID_ENTITY_NAME_REGEX `^[a-zA-Z0-9,_. \-+()']+` matched
 * against the whole trimmed name, at most NameValidation.MAX_NAME_CHARS (see README). The comma is
 * in the server's pattern although its error message does not list it.
 */
export const VALID_NAME = /^[a-zA-Z0-9,_. +()'-]+$/;
export const MAX_NAME_LENGTH = 256;
export const NAME_CHARACTERS = 'letters, numbers, spaces, underscores, hyphens, periods, plus signs, apostrophes, and parentheses';

/** Upload destinations (GET /entity/{id}/uploadDestination) a multipart upload can go to. */
export const S3_UPLOAD_DESTINATION = 'org.sagebionetworks.repo.model.file.S3UploadDestination';
export const EXTERNAL_S3_UPLOAD_DESTINATION = 'org.sagebionetworks.repo.model.file.ExternalS3UploadDestination';
export const EXTERNAL_GCP_UPLOAD_DESTINATION = 'org.sagebionetworks.repo.model.file.ExternalGoogleCloudUploadDestination';
export const MULTIPART_DESTINATIONS = [S3_UPLOAD_DESTINATION, EXTERNAL_S3_UPLOAD_DESTINATION, EXTERNAL_GCP_UPLOAD_DESTINATION];

export interface UploadDestination {
  concreteType: string;
  storageLocationId?: number;
  uploadType?: string;
  banner?: string;
}

/** POST /entity/child body and answer. */
export interface EntityLookupRequest {
  parentId: string;
  entityName: string;
}

export interface EntityId {
  id: string;
}

/** What GET /entity/{id} answers, as far as Ferry reads it. */
export interface EntityHeader {
  concreteType: string;
  id: string;
  name: string;
  parentId?: string;
}
