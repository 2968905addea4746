// How a remote path maps onto Synapse: `/syn123/a/b/file.bin` is the file `file.bin` in folder
// `b` in folder `a` in container syn123 (a project or folder). A path whose first part is not a
// Synapse id is relative to the `parentId` option. Every name is checked against Synapse's entity
// name rule here, before anything is uploaded: the server would refuse it only when the entity is
// created, after all the bytes were sent (NameValidation is run by NodeManagerImpl.validateNode).
import { FerryError } from '../../common/errors.js';
import { MAX_NAME_LENGTH, NAME_CHARACTERS, VALID_NAME } from './wire.js';

export interface SynapseTarget {
  /** Project or folder id the path starts from. */
  container: string;
  /** Folder names below the container, outermost first. */
  folders: string[];
  /** Entity name of the file. */
  name: string;
}

const SYN_ID = /^syn\d+$/i;

/** Why `name` cannot be a Synapse entity name, or undefined when it can (names are trimmed by the server). */
export function nameProblem(name: string): string | undefined {
  const n = name.trim();
  if (n === '') return 'it is empty';
  if (n.length > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} characters`;
  if (!VALID_NAME.test(n)) {
    const bad = [...new Set([...n].filter((c) => !VALID_NAME.test(c)))].map((c) => JSON.stringify(c)).join(' ');
    return `it contains ${bad}; Synapse names may only contain ${NAME_CHARACTERS} (and commas)`;
  }
  return undefined;
}

export function parseTarget(remotePath: string, parentOption: string | undefined, file: { path: string; name: string }): SynapseTarget {
  const parts = remotePath.split(/[\\/]+/).map((p) => p.trim()).filter((p) => p !== '');
  let container: string;
  if (parts.length > 0 && SYN_ID.test(parts[0]!)) {
    container = parts.shift()!.toLowerCase();
  } else {
    const p = parentOption?.trim();
    if (!p) throw new FerryError('bad-input', 'the Synapse target has no parent: set parentId to the project or folder id (e.g. syn123), or start the remote path with it (/syn123/…)');
    if (!SYN_ID.test(p)) throw new FerryError('bad-input', `the Synapse parentId must be a project or folder id such as syn123, not "${p}"`);
    container = p.toLowerCase();
  }
  const name = parts.pop() ?? file.name;
  for (const part of [...parts, name]) {
    if (part === '.' || part === '..') {
      throw new FerryError('bad-input', `the remote path ${remotePath} of ${file.path} contains "${part}"; give a plain path such as /syn123/folder/file.bin`, { file: file.path });
    }
    const why = nameProblem(part);
    if (why) {
      const what = part === name ? 'file name' : 'folder name';
      throw new FerryError('bad-input', `cannot upload ${file.path} to Synapse as ${remotePath}: the ${what} "${part}" is not allowed because ${why}. Rename it and try again`,
        { file: file.path });
    }
  }
  return { container, folders: parts, name };
}
