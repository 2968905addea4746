// The repository side of the emulator: FileEntity creation (names unique within a parent) and
// reading a file handle back. Projects and folders are not modelled: any `syn<digits>` parent exists.
import { randomUUID } from 'node:crypto';
import type { EmulatorBlobs } from './emulator-blobs.js';
import type { EmulatorUploads, FileHandleRecord } from './emulator-uploads.js';
import { SynapseHttpError, validateName } from './emulator-validate.js';
import { FILE_ENTITY, S3_FILE_HANDLE, type FileEntity, type S3FileHandle } from '../../providers/synapse/wire.js';

export class EmulatorRepo {
  /** parentId → (name → entity). */
  private readonly children = new Map<string, Map<string, FileEntity>>();
  private nextEntity = 50_000_001;

  constructor(private readonly uploads: EmulatorUploads, private readonly blobs: EmulatorBlobs, private readonly now: () => number) {}

  async createEntity(userId: string | undefined, body: unknown): Promise<FileEntity> {
    if (userId === undefined) throw new SynapseHttpError(403, 'Cannot create an entity anonymously. Please log in.');
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (b.concreteType !== FILE_ENTITY) throw new SynapseHttpError(400, `This emulator creates only ${FILE_ENTITY}, not ${String(b.concreteType)}`);
    if (typeof b.name !== 'string') throw new SynapseHttpError(400, 'Entity.name is required.');
    validateName(b.name);
    if (typeof b.parentId !== 'string' || !/^syn\d+$/i.test(b.parentId)) {
      throw new SynapseHttpError(400, `Entity.parentId must be a Synapse id such as syn123, not ${JSON.stringify(b.parentId ?? null)}`);
    }
    if (typeof b.dataFileHandleId !== 'string') throw new SynapseHttpError(400, 'FileEntity.dataFileHandleId cannot be null');
    const handle = this.handleFor(userId, b.dataFileHandleId, 'Only the creator of a FileHandle can assign it to an Entity.');
    const name = b.name.trim();
    const parentId = b.parentId.toLowerCase();
    const siblings = this.children.get(parentId) ?? new Map<string, FileEntity>();
    // Synapse compares names case-insensitively within a parent [U].
    if (siblings.has(name.toLowerCase())) {
      throw new SynapseHttpError(409, `An entity with the name: ${name} already exists with a parentId: ${parentId}`);
    }
    const entity: FileEntity = {
      concreteType: FILE_ENTITY,
      id: `syn${this.nextEntity++}`,
      name,
      parentId,
      dataFileHandleId: handle.id,
      etag: randomUUID(),
      createdBy: userId,
      createdOn: new Date(this.now()).toISOString(),
      versionNumber: 1,
    };
    siblings.set(name.toLowerCase(), entity);
    this.children.set(parentId, siblings);
    await this.blobs.placeEntity(handle.id, parentId, name, handle.contentSize);
    return entity;
  }

  fileHandle(userId: string | undefined, id: string): S3FileHandle {
    const h = this.handleFor(userId, id, `Only the creator of FileHandle ${id} can read it.`);
    return {
      concreteType: S3_FILE_HANDLE,
      id: h.id,
      createdBy: h.createdBy,
      createdOn: new Date(h.createdOn).toISOString(),
      fileName: h.fileName,
      contentType: h.contentType,
      contentMd5: h.contentMd5,
      contentSize: h.contentSize,
      storageLocationId: h.storageLocationId,
      etag: h.id,
    };
  }

  private handleFor(userId: string | undefined, id: string, forbidden: string): FileHandleRecord {
    const h = this.uploads.handles.get(id);
    if (!h) throw new SynapseHttpError(404, `FileHandle: '${id}' does not exist`);
    if (h.createdBy !== userId) throw new SynapseHttpError(403, forbidden);
    return h;
  }
}
