// Synapse wire shapes and limits (protocols.md section 2). Only this folder sees them.

export const MULTIPART_UPLOAD_REQUEST = 'org.sagebionetworks.repo.model.file.MultipartUploadRequest';
export const FILE_ENTITY = 'org.sagebionetworks.repo.model.FileEntity';
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
  etag: string;
  createdBy: string;
  createdOn: string;
  versionNumber: number;
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

/** Entity-name rule (NameValidation / EntityNameValidation) [U: apostrophe support varies by version]. */
export const VALID_NAME = /^[A-Za-z0-9 _.+'()-]+$/;
export const MAX_NAME_LENGTH = 256;
