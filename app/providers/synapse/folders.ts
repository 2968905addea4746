// Folder entities for nested remote paths. Each level is looked up by name with
// POST /entity/child (404 = no such child) and created with POST /entity
// {concreteType: Folder, name, parentId} when missing, as synapsePythonClient does
// (synapseclient/api/entity_services.py get_child and post_entity). Names are unique within a
// parent and compared exactly (NODE.NAME is utf8mb4_bin with a unique (PARENT_ID, NAME) key).
import { FerryError } from '../../common/errors.js';
import type { SynapseApi } from './api.js';
import { FOLDER_ENTITY, PROJECT_ENTITY } from './wire.js';

export class SynapseFolders {
  /** `${parentId}/${name}` → the folder's id, shared by concurrent uploads into the same folder. */
  private readonly known = new Map<string, Promise<string>>();

  constructor(private readonly api: SynapseApi) {}

  /** The id of the innermost folder of `folders` under `container`, creating the missing ones. */
  async resolve(container: string, folders: string[], signal: AbortSignal): Promise<string> {
    let parent = container;
    for (const name of folders) parent = await this.child(parent, name, signal);
    return parent;
  }

  private async child(parent: string, name: string, signal: AbortSignal): Promise<string> {
    const key = `${parent}/${name}`;
    const shared = this.known.get(key);
    if (shared) {
      try {
        return await shared;
      } catch (e) {
        // The upload that started the lookup may have been paused or cancelled (its signal, not
        // ours): unless we were too, ask again on our own.
        if (signal.aborted) throw e;
      }
    }
    const p = this.findOrCreate(parent, name, signal);
    // A failure is not remembered: the next upload asks again.
    p.catch(() => {
      if (this.known.get(key) === p) this.known.delete(key);
    });
    this.known.set(key, p);
    return p;
  }

  private async findOrCreate(parent: string, name: string, signal: AbortSignal): Promise<string> {
    const found = await this.api.lookupChild(parent, name, signal);
    if (found) return this.asFolder(found, parent, name, signal);
    const made = await this.api.createFolder(name, parent, signal);
    if (!('conflict' in made)) return made.id;
    // Someone created it between our lookup and create (another Ferry, or the web site).
    const now = await this.api.lookupChild(parent, name, signal);
    if (now) return this.asFolder(now, parent, name, signal);
    throw new FerryError('name-conflict', `Synapse refused to create folder "${name}" in ${parent} (${made.conflict}) but has no child of that name`);
  }

  private async asFolder(id: string, parent: string, name: string, signal: AbortSignal): Promise<string> {
    const e = await this.api.entity(id, signal);
    if (e.concreteType === FOLDER_ENTITY || e.concreteType === PROJECT_ENTITY) return id;
    const kind = e.concreteType.split('.').pop() ?? e.concreteType;
    throw new FerryError('name-conflict', `"${name}" in ${parent} on Synapse is a ${kind} (${id}), not a folder, so nothing can be uploaded into it: rename one of them`);
  }
}
