// Request validation for the Synapse emulator, in the server's order and with its messages
// (MultipartManagerV2Impl, MultipartUploadRequestHandler, PartUtils), and the canonical form of
// a request that the idempotency key is hashed from.
import { DEFAULT_STORAGE_LOCATION_ID, MAX_NAME_LENGTH, MULTIPART_UPLOAD_REQUEST, NAME_CHARACTERS, VALID_NAME } from '../../providers/synapse/wire.js';

export class SynapseHttpError extends Error {
  constructor(readonly status: number, readonly reason: string) {
    super(reason);
  }
}

export interface EmulatorLimits {
  minPartSize: number;
  maxPartSize: number;
  maxParts: number;
  maxFileSize: number;
  /** 0 turns the cleanup worker off (feature MULTIPART_AUTO_CLEANUP disabled). */
  cleanupAfterMs: number;
  /** [U] whether a field sent as null hashes like an omitted one. */
  nullEqualsAbsent: boolean;
}

/** The request after parsing and defaulting, with fields in one fixed order (the server re-serialises). */
export interface CanonicalRequest {
  concreteType: string;
  contentMD5Hex: string;
  contentType?: string | null;
  fileName: string;
  fileSizeBytes: number;
  generatePreview?: boolean | null;
  partSizeBytes: number;
  storageLocationId: number;
}

export function requireNumber(v: unknown, what: string): number {
  if (v === undefined || v === null) throw new SynapseHttpError(400, `${what} is required.`);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new SynapseHttpError(400, `${what} must be an integer`);
  return v;
}

/**
 * NameValidation.validateName: trimmed; empty, too long and disallowed characters are refused
 * (IllegalArgumentException → 400) with the server's messages. Returns the trimmed name.
 */
export function validateName(name: string): string {
  const n = name.trim();
  if (n === '') throw new SynapseHttpError(400, 'Name cannot be only whitespace or empty string');
  if (n.length > MAX_NAME_LENGTH) throw new SynapseHttpError(400, `Name length cannot be longer than ${MAX_NAME_LENGTH} characters.`);
  if (!VALID_NAME.test(n)) throw new SynapseHttpError(400, `Invalid Name: '${n}'. Names may only contain: ${NAME_CHARACTERS}`);
  return n;
}

export function validateUploadRequest(body: unknown, userId: string | undefined, l: EmulatorLimits): CanonicalRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SynapseHttpError(400, 'The request body must be a MultipartRequest JSON object');
  const b = body as Record<string, unknown>;
  const concreteType = b.concreteType ?? MULTIPART_UPLOAD_REQUEST;
  if (concreteType !== MULTIPART_UPLOAD_REQUEST) {
    throw new SynapseHttpError(400, `Request type unsupported by this emulator: ${String(concreteType)}`);
  }
  const partSize = requireNumber(b.partSizeBytes, 'MultipartUploadRequest.partSizeBytes');
  if (partSize < l.minPartSize) throw new SynapseHttpError(400, `The part size must be at least ${l.minPartSize} bytes.`);
  if (partSize > l.maxPartSize) throw new SynapseHttpError(400, `The part size must not exceed ${l.maxPartSize} bytes.`);
  // Checked after the part size, as the server does (PLFM-2621).
  if (userId === undefined) throw new SynapseHttpError(403, 'Anonymous cannot upload files.');
  if (typeof b.fileName !== 'string' || b.fileName === '') {
    throw new SynapseHttpError(400, 'MultipartUploadRequest.fileName is required and must not be the empty string.');
  }
  validateName(b.fileName);
  const fileSize = requireNumber(b.fileSizeBytes, 'MultipartUploadRequest.fileSizeBytes');
  if (typeof b.contentMD5Hex !== 'string' || b.contentMD5Hex === '') {
    throw new SynapseHttpError(400, 'MultipartUploadRequest.contentMD5Hex is required and must not be the empty string.');
  }
  if (fileSize < 1) throw new SynapseHttpError(400, 'File size must be at least one byte');
  if (fileSize > l.maxFileSize) throw new SynapseHttpError(400, 'The maximum file size is 5 TB');
  if (b.contentType !== undefined && b.contentType !== null && typeof b.contentType !== 'string') throw new SynapseHttpError(400, 'contentType must be a string');
  if (b.generatePreview !== undefined && b.generatePreview !== null && typeof b.generatePreview !== 'boolean') throw new SynapseHttpError(400, 'generatePreview must be a boolean');
  const storage = b.storageLocationId === undefined || b.storageLocationId === null
    ? DEFAULT_STORAGE_LOCATION_ID
    : requireNumber(b.storageLocationId, 'MultipartUploadRequest.storageLocationId');

  const out: CanonicalRequest = {
    concreteType: MULTIPART_UPLOAD_REQUEST,
    contentMD5Hex: b.contentMD5Hex,
    fileName: b.fileName,
    fileSizeBytes: fileSize,
    partSizeBytes: partSize,
    storageLocationId: storage,
  };
  // Optional fields: an omitted one is absent from the server's serialisation; a null one too,
  // unless the emulator is told nulls count (the detail protocols.md leaves unconfirmed).
  const keep = (v: unknown): boolean => v !== undefined && (v !== null || !l.nullEqualsAbsent);
  if (keep(b.contentType)) out.contentType = b.contentType as string | null;
  if (keep(b.generatePreview)) out.generatePreview = b.generatePreview as boolean | null;
  return ordered(out);
}

/** Same fields in one fixed order, so JSON.stringify gives the same text for the same values. */
function ordered(r: CanonicalRequest): CanonicalRequest {
  const keys = ['concreteType', 'contentMD5Hex', 'contentType', 'fileName', 'fileSizeBytes', 'generatePreview', 'partSizeBytes', 'storageLocationId'] as const;
  const o: Record<string, unknown> = {};
  for (const k of keys) if (k in r) o[k] = r[k];
  return o as unknown as CanonicalRequest;
}
