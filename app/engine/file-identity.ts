// Fault catalogue row 28: the path of a file being uploaded no longer names the file Ferry opened
// (deleted, replaced by another file or a symlink, or made unreadable). The bytes could still be
// read through the open file, but the user removed or replaced it: its old copy must not be
// committed. Checked with the size/mtime check at each chunk and before the commit.
import { FerryError, type FerryErrorCode } from '../common/errors.js';
import type { Fingerprint, JournalRecord } from './journal.js';
import type { OpenFile, PathState } from './ports.js';

const WHY: Record<Exclude<PathState, 'same'>, { code: FerryErrorCode; says: string }> = {
  deleted: { code: 'file-missing', says: 'was deleted during the upload' },
  replaced: { code: 'file-changed', says: 'was replaced by another file or a link during the upload (the link is not followed)' },
  unreadable: { code: 'file-unreadable', says: 'is no longer readable (its permissions changed during the upload)' },
};

/** Throws when the path no longer names the opened, readable file. */
export async function checkStillThere(file: Pick<OpenFile, 'atPath'>, rec: JournalRecord): Promise<void> {
  const now = await file.atPath?.();
  if (now === undefined || now === 'same') return;
  const w = WHY[now];
  throw new FerryError(w.code, `${rec.localPath} ${w.says}; nothing was committed`, { file: rec.localPath });
}

/** Errors that are the local file's: the server session holds bytes that must never be completed. */
export function localFileProblem(e: unknown): boolean {
  if (!(e instanceof FerryError)) return false;
  return e.code === 'file-changed' || e.code === 'file-short' || e.code === 'file-unreadable' || e.code === 'file-missing';
}

/**
 * The fingerprint of the file opened for a run, unless its path was a plain file when added and
 * is a symbolic link now: a link put in a file's place is not followed on a retry or resume either.
 */
export function refuseNewLink(fp: Fingerprint, rec: JournalRecord): Fingerprint {
  if (rec.fingerprint.link === false && fp.link === true) {
    throw new FerryError('file-changed', `${rec.localPath} was replaced by a symbolic link since it was added; Ferry does not follow it (add the file it points to instead); nothing was committed`, { file: rec.localPath });
  }
  return fp;
}
