// The target's conflict policy applied to Box's 409 item_name_in_use: fail, add a version to
// the existing file (replace), or pick the first free "name (n).ext" (rename).
import { FerryError } from '../../common/errors.js';
import type { ConflictPolicy } from '../../common/transfer.js';
import type { HttpResponse } from '../../engine/http.js';
import { redactUrl } from '../shared/http-status.js';
import { type BoxApi, type CallOptions, boxError, conflictOf } from './box-api.js';
import type { BoxDest } from './session-ref.js';

/** A create or upload meets a taken name at most this many times (each round changes the plan). */
export const MAX_CONFLICT_ROUNDS = 5;

export async function resolveConflict(api: BoxApi, dest: BoxDest, res: HttpResponse, policy: ConflictPolicy, o: CallOptions): Promise<BoxDest> {
  const b = boxError(res);
  if (res.status !== 409 || b?.code !== 'item_name_in_use') throw api.error(res, o);
  const clash = conflictOf(res);
  const ctx = { method: o.method, url: redactUrl(o.url), status: 409, serverCode: b.code };
  if (policy === 'fail') {
    throw new FerryError('name-conflict', `${dest.path} already exists on Box and the conflict policy is 'fail'`, ctx);
  }
  if (policy === 'replace') {
    if (clash?.type === 'file' && dest.fileId === null) return { ...dest, fileId: clash.id };
    const what = clash?.type === 'folder' ? 'a folder of that name is in the way' : 'the existing file could not be replaced';
    throw new FerryError('name-conflict', `Cannot replace ${dest.path} on Box: ${what}`, ctx);
  }
  const name = await api.freeName(dest.folderId, dest.name, o.signal);
  return { ...dest, name, path: dest.path.slice(0, dest.path.lastIndexOf('/') + 1) + name, fileId: null };
}

export function tooManyConflicts(dest: BoxDest): FerryError {
  return new FerryError('name-conflict', `${dest.path}: Box kept reporting the name as taken after ${MAX_CONFLICT_ROUNDS} attempts`);
}
