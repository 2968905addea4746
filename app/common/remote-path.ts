// Remote paths are built from user input (--dest, the window's remote folder, folder sync) and
// from file names. A '.' or '..' segment means something different to every provider (some
// resolve it, some store it literally, a path-based API may climb out of the target's folder),
// so it is refused for all of them before any request, with the path named.
import { FerryError } from './errors.js';

/** Throws FerryError('bad-input') naming `path` when a segment is '.', '..' or holds a NUL. */
export function checkRemotePath(path: string, what = 'remote path'): string {
  const bad = path.split('/').find((s) => s === '.' || s === '..');
  if (bad !== undefined) {
    throw new FerryError('bad-input', `${what} '${path}' has a '${bad}' segment; remote paths must not contain a .. or . segment`);
  }
  if (path.includes('\0')) throw new FerryError('bad-input', `${what} '${path.replace(/\0/g, '\\0')}' contains a NUL character`);
  return path;
}
