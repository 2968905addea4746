// Microsoft Graph upload-session wire shapes and limits (protocols.md section 4).
// Shared by the client and the emulator; nothing here leaves the onedrive folder.

/** Non-final fragments must be multiples of 320 KiB (GRAPH-DOCS: "errors committing some files" otherwise). */
export const FRAGMENT_ALIGN = 327_680;
/** Each request must be "less than 60 MiB" (62,914,560 bytes). */
export const FRAGMENT_LIMIT = 62_914_560;
/** Largest 320 KiB multiple strictly below the 60 MiB limit (191 × 320 KiB). */
export const FRAGMENT_MAX = FRAGMENT_LIMIT - FRAGMENT_ALIGN;
/** rclone's default, 32 × 320 KiB; Microsoft recommends 5-10 MiB fragments. */
export const FRAGMENT_DEFAULT = 32 * FRAGMENT_ALIGN;
/** Files up to this size (and empty files) go through the simple `PUT …:/content` upload. */
export const SIMPLE_UPLOAD_MAX = 4 * 1024 * 1024;

export type ConflictBehavior = 'fail' | 'replace' | 'rename';

export interface CreateSessionBody {
  item?: {
    '@microsoft.graph.conflictBehavior'?: ConflictBehavior | string;
    name?: string;
    description?: string;
    fileSize?: number;
  };
  deferCommit?: boolean;
}

/**
 * The explicit commit after a failed last fragment (learn.microsoft.com driveitem-createuploadsession,
 * "Handle upload errors"): PUT to the parent folder, naming the file and the upload URL.
 */
export interface ExplicitCommitBody {
  name: string;
  '@microsoft.graph.conflictBehavior'?: ConflictBehavior | string;
  '@microsoft.graph.sourceUrl': string;
}

/** Answer to createUploadSession (200), to a fragment that needs more (202) and to a status GET. */
export interface UploadSessionJson {
  uploadUrl?: string;
  expirationDateTime: string;
  nextExpectedRanges: string[];
}

export interface DriveItemJson {
  id: string;
  name: string;
  size: number;
  eTag?: string;
  cTag?: string;
  createdDateTime?: string;
  lastModifiedDateTime?: string;
  parentReference?: { driveId?: string; id?: string; path?: string };
  file?: { mimeType?: string; hashes?: { quickXorHash?: string; sha1Hash?: string } };
  folder?: { childCount: number };
}

/** Every Graph error body (OData): the Rust crate refuses any non-2xx answer without it. */
export interface GraphErrorJson {
  error: {
    code: string;
    message: string;
    innerError?: { code?: string; 'request-id'?: string; date?: string };
  };
}

/** Encodes a remote path for `/root:{path}:`, one segment at a time, as the Graph SDK does. */
export function encodeDrivePath(remotePath: string): string {
  return remotePath.split('/').filter((s) => s !== '').map(encodeURIComponent).map((s) => `/${s}`).join('');
}
