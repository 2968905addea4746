// Files below the session threshold: an OPTIONS pre-flight at `create` (so a name conflict is
// settled before any byte moves) and one multipart POST carrying `attributes` then `file`.
import type { ConflictPolicy } from '../../common/transfer.js';
import { type BoxApi, type CallOptions, conflictOf } from './box-api.js';
import { MAX_CONFLICT_ROUNDS, resolveConflict, tooManyConflicts } from './conflicts.js';
import { buildMultipart } from './multipart.js';
import type { BoxDest } from './session-ref.js';
import type { BoxFile, BoxFiles } from './wire.js';

function contentUrl(base: string, dest: BoxDest): string {
  return dest.fileId === null ? `${base}/2.0/files/content` : `${base}/2.0/files/${encodeURIComponent(dest.fileId)}/content`;
}

/** Settles the destination under the conflict policy without sending the file. */
export async function preflightSmall(api: BoxApi, dest: BoxDest, size: number, policy: ConflictPolicy, signal: AbortSignal): Promise<BoxDest> {
  let d = dest;
  for (let round = 0; round < MAX_CONFLICT_ROUNDS; round++) {
    const json = d.fileId === null ? { name: d.name, parent: { id: d.folderId }, size } : { size };
    const o: CallOptions = { method: 'OPTIONS', url: contentUrl(api.apiBase, d), doing: `checking the upload of ${d.path}`, json, signal, accept: [200, 409] };
    const res = await api.call(o);
    if (res.status === 200) return d;
    d = await resolveConflict(api, d, res, policy, o);
  }
  throw tooManyConflicts(d);
}

/** Uploads the whole file; a name taken since the pre-flight is settled again under the policy. */
export async function uploadSmall(
  api: BoxApi, dest: BoxDest, data: Buffer, policy: ConflictPolicy, signal: AbortSignal, onSent?: (n: number) => void,
  /** Hex SHA-1 of `data` when an earlier attempt may have landed unseen: a same-named file with it is ours. */
  adoptSha1?: string,
): Promise<{ dest: BoxDest; file: BoxFile }> {
  let d = dest;
  for (let round = 0; round < MAX_CONFLICT_ROUNDS; round++) {
    const attributes = d.fileId === null ? { name: d.name, parent: { id: d.folderId } } : { name: d.name };
    const { body, contentType } = buildMultipart([
      { name: 'attributes', data: Buffer.from(JSON.stringify(attributes)) },
      { name: 'file', filename: d.name, contentType: 'application/octet-stream', data },
    ]);
    const o: CallOptions = {
      method: 'POST', url: contentUrl(api.uploadBase, d), doing: `uploading ${d.path}`, body,
      headers: { 'content-type': contentType }, signal, accept: [201, 409], ...(onSent ? { onSent } : {}),
    };
    const res = await api.call(o);
    if (res.status === 201) {
      const files = api.parse<BoxFiles>(res, o, (v) => Array.isArray(v.entries) && typeof v.entries[0]?.id === 'string');
      return { dest: d, file: files.entries[0]! };
    }
    const clash = conflictOf(res);
    if (adoptSha1 && res.status === 409 && clash?.type === 'file' && clash.sha1?.toLowerCase() === adoptSha1) {
      return { dest: d, file: { ...clash, type: 'file', size: data.length, sha1: adoptSha1, parent: { type: 'folder', id: d.folderId } } };
    }
    d = await resolveConflict(api, d, res, policy, o);
  }
  throw tooManyConflicts(d);
}
