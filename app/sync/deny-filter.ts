// The never-upload list applied inside a watched folder: every path a scan or a watch event
// finds is checked (not only the watched folder itself), so watching ~ or a folder that holds
// $FERRY_HOME never uploads keys, tokens, Ferry's log or its sync index (which would otherwise
// change after each upload and be uploaded again, for ever).
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { isInsideRoots } from '../common/path-guard.js';
import { secretReason } from '../common/secret-paths.js';

/** `rel` is '/'-separated and relative to `realRoot`; a trailing '/' marks a folder. Returns why it is denied. */
export type DenyCheck = (rel: string) => string | undefined;

export async function makeDenyCheck(realRoot: string, denied: readonly string[], ferryHome?: string): Promise<DenyCheck> {
  const real = await Promise.all(denied.map((r) => realpath(r).catch(() => r)));
  const roots = [...denied, ...real];
  const homes = ferryHome === undefined ? [] : [ferryHome, await realpath(ferryHome).catch(() => ferryHome)];
  return (rel) => {
    const abs = join(realRoot, rel.endsWith('/') ? rel.slice(0, -1) : rel);
    return secretReason(abs, roots, homes.find((h) => isInsideRoots(abs, [h])));
  };
}
