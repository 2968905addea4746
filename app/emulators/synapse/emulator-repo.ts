// The repository side of the emulator: Folder and FileEntity creation (names unique and compared
// exactly within a parent), child lookup, reading entities (and a FileEntity's versions) and file
// handles, updates with the etag check and file versions (emulator-versions.ts), and the upload
// destination of a container. Projects are not modelled: any `syn<digits>` id that is not an
// entity made here is an existing project at the root.
import { randomUUID } from 'node:crypto';
import type { EmulatorBlobs } from './emulator-blobs.js';
import type { EmulatorUploads, FileHandleRecord } from './emulator-uploads.js';
import { SynapseHttpError, validateName } from './emulator-validate.js';
import { storageDestination, type StorageOptions } from './emulator-storage.js';
import { applyUpdate } from './emulator-versions.js';
import {
  FILE_ENTITY,
  FOLDER_ENTITY,
  PROJECT_ENTITY,
  S3_FILE_HANDLE,
  type EntityHeader,
  type EntityId,
  type FileEntity,
  type S3FileHandle,
  type UploadDestination,
} from '../../providers/synapse/wire.js';

export interface EntityRecord extends EntityHeader {
  parentId: string;
  etag: string;
  createdBy: string;
  createdOn: string;
  modifiedBy: string;
  modifiedOn: string;
  dataFileHandleId?: string;
  versionNumber?: number;
  versionLabel?: string;
  versionComment?: string;
}

const SYN_ID = /^syn\d+$/i;

export class EmulatorRepo {
  private readonly entities = new Map<string, EntityRecord>();
  /** FileEntity id → its versions, oldest first; the last is the entity itself. */
  private readonly versions = new Map<string, EntityRecord[]>();
  /** parentId → (exact name → entity id). NODE.NAME is utf8mb4_bin, unique per parent. */
  private readonly children = new Map<string, Map<string, string>>();
  private nextEntity = 50_000_001;

  constructor(
    private readonly uploads: EmulatorUploads,
    private readonly blobs: EmulatorBlobs,
    private readonly now: () => number,
    private readonly storage: StorageOptions = {},
  ) {}

  async createEntity(userId: string | undefined, body: unknown): Promise<FileEntity | EntityHeader> {
    if (userId === undefined) throw new SynapseHttpError(403, 'Cannot create an entity anonymously. Please log in.');
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const type = b.concreteType;
    if (type !== FILE_ENTITY && type !== FOLDER_ENTITY) throw new SynapseHttpError(400, `This emulator creates only ${FILE_ENTITY} and ${FOLDER_ENTITY}, not ${String(type)}`);
    const id = `syn${this.nextEntity}`;
    // NodeManagerImpl.validateNode: a null name becomes the id; anything else is validated and trimmed.
    const name = b.name === undefined || b.name === null ? id : validateName(String(b.name));
    if (typeof b.parentId !== 'string' || !SYN_ID.test(b.parentId)) {
      throw new SynapseHttpError(400, `Entity.parentId must be a Synapse id such as syn123, not ${JSON.stringify(b.parentId ?? null)}`);
    }
    const parentId = b.parentId.toLowerCase();
    const parentType = this.typeOf(parentId);
    if (parentType === FILE_ENTITY) throw new SynapseHttpError(400, `Entity type: ${String(type)} cannot have a parent of type: ${FILE_ENTITY}`);
    let handle: FileHandleRecord | undefined;
    if (type === FILE_ENTITY) {
      if (typeof b.dataFileHandleId !== 'string') throw new SynapseHttpError(400, 'FileEntity.dataFileHandleId cannot be null');
      handle = this.handleFor(userId, b.dataFileHandleId, 'Only the creator of a FileHandle can assign it to an Entity.');
    }
    const siblings = this.children.get(parentId) ?? new Map<string, string>();
    if (siblings.has(name)) throw new SynapseHttpError(409, `An entity with the name: ${name} already exists with a parentId: ${parentId}`);
    if (handle) this.checkStorageLimit(parentId, handle);
    this.nextEntity++;
    const on = new Date(this.now()).toISOString();
    const e: EntityRecord = {
      concreteType: type, id, name, parentId, etag: randomUUID(), createdBy: userId, createdOn: on, modifiedBy: userId, modifiedOn: on,
      ...(handle ? { dataFileHandleId: handle.id, versionNumber: 1, versionLabel: '1' } : {}),
    };
    this.entities.set(id, e);
    if (handle) this.versions.set(id, [{ ...e }]);
    siblings.set(name, id);
    this.children.set(parentId, siblings);
    if (handle) await this.blobs.placeEntity(handle.id, this.pathOf(parentId), name, handle.contentSize);
    return { ...e };
  }

  /** POST /entity/child (EntityManagerImpl.lookupChild, NodeDAOImpl.lookupChild). */
  lookupChild(userId: string | undefined, body: unknown): EntityId {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof b.entityName !== 'string') throw new SynapseHttpError(400, 'EntityLookupRequest.entityName is required.');
    if (typeof b.parentId !== 'string') throw new SynapseHttpError(400, 'This emulator does not look up projects by name (parentId is required)');
    if (userId === undefined) throw new SynapseHttpError(403, 'Lack of READ permission on the parent entity.');
    const id = this.children.get(b.parentId.toLowerCase())?.get(b.entityName);
    if (!id) throw new SynapseHttpError(404, `Child not found for parent: '${b.parentId}' with name: '${b.entityName}'`);
    return { id };
  }

  entity(raw: string): EntityHeader {
    const id = raw.toLowerCase();
    const e = this.entities.get(id);
    if (e) return { ...e };
    if (SYN_ID.test(id)) return { concreteType: PROJECT_ENTITY, id, name: id };
    throw new SynapseHttpError(404, `Entity ${id} does not exist`);
  }

  /** PUT /entity/{id}: the whole entity back with its etag (EntityController.updateEntity, 200). */
  async updateEntity(userId: string | undefined, raw: string, body: unknown, newVersion: boolean): Promise<EntityRecord> {
    if (userId === undefined) throw new SynapseHttpError(403, 'Cannot update an entity anonymously. Please log in.');
    const id = raw.toLowerCase();
    const e = this.entities.get(id);
    if (!e) throw new SynapseHttpError(404, `Entity ${id} does not exist`);
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const handleId = typeof b.dataFileHandleId === 'string' ? b.dataFileHandleId : undefined;
    const changed = handleId !== undefined && handleId !== e.dataFileHandleId;
    const handle = changed ? this.handleFor(userId, handleId, 'Only the creator of a FileHandle can assign it to an Entity.') : undefined;
    const old = e.dataFileHandleId ? this.uploads.handles.get(e.dataFileHandleId) : undefined;
    const next = applyUpdate(e, b, { id, newVersion, userId, now: this.now(), etag: randomUUID(), md5Differs: !!handle && handle.contentMd5 !== old?.contentMd5 });
    this.entities.set(id, next);
    if (next.versionNumber !== undefined) {
      const list = this.versions.get(id) ?? [];
      if (next.versionNumber !== e.versionNumber) list.push({ ...next });
      else list[list.length - 1] = { ...next };
      this.versions.set(id, list);
    }
    // The tree shows the newest version's bytes, as a download of the entity gets them.
    if (handle) await this.blobs.placeEntity(handle.id, this.pathOf(e.parentId), e.name, handle.contentSize, true);
    return { ...next };
  }

  /** GET /entity/{id}/version/{n}. */
  entityVersion(raw: string, n: number): EntityRecord {
    const id = raw.toLowerCase();
    const v = this.versions.get(id)?.find((x) => x.versionNumber === n);
    if (!v) throw new SynapseHttpError(404, `Entity ${id} version ${n} does not exist`);
    return { ...v };
  }

  /** GET /entity/{id}/uploadDestination: the nearest container with its own storage, else Synapse's. */
  uploadDestination(raw: string): UploadDestination {
    const id = this.entity(raw).id;
    return storageDestination(this.storage, this.ancestors(id));
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

  private typeOf(id: string): string {
    return this.entities.get(id)?.concreteType ?? PROJECT_ENTITY;
  }

  /** `id` and its parents up to the project, innermost first. */
  private ancestors(id: string): string[] {
    const out = [id];
    for (let e = this.entities.get(id); e; e = this.entities.get(e.parentId)) out.push(e.parentId);
    return out;
  }

  /** The container's place in the tree by names, for /_emulator/files: `syn1/raw/2024`. */
  private pathOf(id: string): string {
    const chain = this.ancestors(id).reverse();
    return chain.map((x, i) => (i === 0 ? x : this.entities.get(x)!.name)).join('/');
  }

  /** [U] A project over its storage limit refuses new files (see emulator-storage.ts). */
  private checkStorageLimit(parentId: string, handle: FileHandleRecord): void {
    const project = this.ancestors(parentId).at(-1)!;
    const limit = this.storage.storageLimits?.[project];
    if (limit === undefined) return;
    let used = 0;
    for (const e of this.entities.values()) {
      if (e.dataFileHandleId && this.ancestors(e.parentId).at(-1) === project) used += this.uploads.handles.get(e.dataFileHandleId)?.contentSize ?? 0;
    }
    if (used + handle.contentSize > limit) {
      const err = this.storage.storageLimitError ?? { status: 403, reason: `Project ${project} has exceeded its storage limit of ${limit} bytes. To upload more files, remove files or upgrade the project's storage.` };
      throw new SynapseHttpError(err.status, err.reason);
    }
  }

  private handleFor(userId: string | undefined, id: string, forbidden: string): FileHandleRecord {
    const h = this.uploads.handles.get(id);
    if (!h) throw new SynapseHttpError(404, `FileHandle: '${id}' does not exist`);
    if (h.createdBy !== userId) throw new SynapseHttpError(403, forbidden);
    return h;
  }
}
