// Conflict policy 'replace': a new version of the existing FileEntity (README "Conflict policy
// 'replace'"). As the official client's store does on a 409 at creation: find the entity by
// parent and name, GET it, set the new dataFileHandleId and PUT it back whole with its etag.
// The entity keeps its id, annotations, provenance, sharing and links; the server makes a new
// version because the file handle (and its MD5) changed. A 412 means someone updated the entity
// between our GET and PUT: read it again once and re-apply, then give up with a clear error.
import { FerryError } from '../../common/errors.js';
import type { SynapseApi } from './api.js';
import { FILE_ENTITY, type FileEntity } from './wire.js';

export interface ReplaceTarget {
  parent: string;
  name: string;
  /** The file handle of the upload that just completed. */
  handleId: string;
  /** Local path, for messages. */
  file: string;
}

/** How many times the entity is read and PUT before a 412 is final: the first try and one re-read. */
const TRIES = 2;

/**
 * The updated entity, or undefined when the name is free after all (deleted since the 409):
 * the caller creates it then.
 */
export async function replaceFileEntity(api: SynapseApi, t: ReplaceTarget, signal: AbortSignal): Promise<FileEntity | undefined> {
  let lastReason = '';
  for (let n = 0; n < TRIES; n++) {
    const id = await api.lookupChild(t.parent, t.name, signal);
    if (id === undefined) return undefined;
    const current = await api.entity(id, signal);
    if (current.concreteType !== FILE_ENTITY) {
      const kind = current.concreteType.split('.').pop() ?? current.concreteType;
      throw new FerryError('name-conflict',
        `"${t.name}" in ${t.parent} on Synapse is a ${kind} (${id}), not a file: 'replace' makes a new version of a file only. Upload ${t.file} under another name, or rename the ${kind.toLowerCase()}`,
        { file: t.file, status: 409 });
    }
    // The same file handle (an identical upload, deduplicated by the multipart request): nothing changes.
    if (current.dataFileHandleId === t.handleId) return current as unknown as FileEntity;
    const r = await api.updateEntity({ ...current, dataFileHandleId: t.handleId }, signal);
    if (!('stale' in r)) return r;
    lastReason = r.stale;
  }
  throw new FerryError('rejected',
    `"${t.name}" in ${t.parent} on Synapse was changed by someone else while Ferry was replacing it with ${t.file}, twice (${lastReason}). Start the upload again to make it the newest version; the bytes already on Synapse are reused, nothing is sent twice`,
    { file: t.file, status: 412 });
}
