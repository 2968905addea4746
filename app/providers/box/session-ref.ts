// What the journal keeps for a Box transfer (Session.ref), and reading it back safely.
import { FerryError } from '../../common/errors.js';
import type { Json } from '../../engine/provider.js';

/** Where the file goes: a folder id and a name, plus the file id when uploading a new version. */
export type BoxDest = {
  folderId: string;
  name: string;
  /** Remote path the file ends up at (after a rename on conflict). */
  path: string;
  /** Existing file to add a version to (conflict policy 'replace'). */
  fileId: string | null;
};

/** Small files: one multipart POST, no server session. */
export type SimpleRef = BoxDest & { kind: 'simple'; key: string };

/** Files at or above the session threshold: a Box upload session. */
export type SessionRef = BoxDest & {
  kind: 'session';
  id: string;
  partSize: number;
  totalParts: number;
  uploadPart: string;
  commit: string;
  abort: string;
  listParts: string;
};

export type BoxRef = SimpleRef | SessionRef;

export function toJson(ref: BoxRef): Json {
  return { ...ref };
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function readRef(ref: Json): BoxRef {
  const r = (ref ?? {}) as Record<string, unknown>;
  const dest = isStr(r.folderId) && isStr(r.name) && isStr(r.path) && (r.fileId === null || isStr(r.fileId));
  if (dest && r.kind === 'simple' && isStr(r.key)) return r as SimpleRef;
  if (dest && r.kind === 'session' && isStr(r.id) && isCount(r.partSize) && r.partSize > 0 && isCount(r.totalParts)
    && isStr(r.uploadPart) && isStr(r.commit) && isStr(r.abort) && isStr(r.listParts)) {
    return r as SessionRef;
  }
  throw new FerryError('journal-corrupt', 'The saved Box upload reference is incomplete or damaged; the upload must start again');
}
