// PUT /entity/{id} as Synapse applies it (README "Emulator: entity updates and versions"):
// - the body's etag must equal the entity's current one, else 412 "Object: <id> was updated
//   since you last fetched it, ..." (NodeManagerImpl.lockAndCheckEtag → ConflictingUpdateException,
//   mapped to 412 by BaseControllerExceptionHandlerAdvice); no etag → 400 "The eTag of the node is
//   required." (NodeManagerImpl.update, ValidateArgument.required);
// - a FileEntity gets a new version when `newVersion=true`, or by itself when its file handle
//   changes to one with another MD5 (EntityManagerImpl.updateEntity, PLFM-1744/PLFM-6429); the
//   automatic one resets the version label and comment, and a null label becomes the version
//   number (NodeDAOImpl.createNewVersion);
// - every update gets a new etag, modifiedOn and modifiedBy (NodeDAO.touch).
// Simplification: renames and moves through PUT are not modelled (400), nor the 15,000-version cap.
import { SynapseHttpError } from './emulator-validate.js';
import type { EntityRecord } from './emulator-repo.js';

export interface UpdateFacts {
  id: string;
  newVersion: boolean;
  userId: string;
  now: number;
  etag: string;
  /** The body names another file handle whose MD5 differs from the current one's. */
  md5Differs: boolean;
}

export function applyUpdate(e: EntityRecord, b: Record<string, unknown>, f: UpdateFacts): EntityRecord {
  // [U] exact reason when the body's id is not the path's.
  if (typeof b.id !== 'string' || b.id.toLowerCase() !== f.id) throw new SynapseHttpError(400, `The entity id in the body (${String(b.id ?? null)}) does not match the id in the URL (${f.id})`);
  if (b.etag === undefined || b.etag === null) throw new SynapseHttpError(400, 'The eTag of the node is required.');
  if (b.etag !== e.etag) throw new SynapseHttpError(412, `Object: ${f.id} was updated since you last fetched it, retrieve it again and re-apply the update`);
  if (b.concreteType !== e.concreteType) throw new SynapseHttpError(400, `This emulator does not change an entity's type (${e.concreteType} → ${String(b.concreteType)})`);
  if (b.name !== e.name || (typeof b.parentId === 'string' ? b.parentId.toLowerCase() : b.parentId) !== e.parentId) {
    throw new SynapseHttpError(400, 'This emulator does not rename or move entities through PUT /entity/{id}');
  }
  const isFile = e.versionNumber !== undefined;
  if (isFile && typeof b.dataFileHandleId !== 'string') throw new SynapseHttpError(400, 'FileEntity.dataFileHandleId cannot be null');
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const next: EntityRecord = { ...e, etag: f.etag, modifiedBy: f.userId, modifiedOn: new Date(f.now).toISOString() };
  if (!isFile) return next;
  next.dataFileHandleId = b.dataFileHandleId as string;
  const auto = !f.newVersion && f.md5Differs;
  let label = auto ? undefined : text(b.versionLabel);
  const comment = auto ? undefined : text(b.versionComment);
  if (f.newVersion || auto) {
    next.versionNumber = e.versionNumber! + 1;
    // The label sent with an explicit newVersion is the new version's; one equal to the old
    // version's label (sent back unchanged) names the old one, so the number is used [U].
    if (label === undefined || label === e.versionLabel) label = String(next.versionNumber);
  }
  next.versionLabel = label ?? e.versionLabel ?? String(next.versionNumber);
  if (comment !== undefined) next.versionComment = comment;
  else delete next.versionComment;
  return next;
}
