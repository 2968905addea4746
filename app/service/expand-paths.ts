// Turns the paths a UI hands over (files and folders) into engine items, after checking each
// one lies inside the allowed roots. Symlinks are resolved first so a link cannot smuggle a
// path out of a root; links met while walking a folder are skipped (no loops, no escapes).
import { promises as fsp } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { FerryError } from '../common/errors.js';
import { isInsideRoots } from '../common/path-guard.js';
import type { AddItem } from '../engine/engine-api.js';

export interface PathPolicy {
  /** Roots files may come from. */
  allowed: readonly string[];
  /** Roots that are never uploadable even inside an allowed one (the app's own state). */
  denied: readonly string[];
  /** Always allowed, even inside a denied root: the host's staging area for browser uploads. */
  staging?: string;
}

const MAX_FILES = 100_000;

export function joinRemote(dir: string, ...rest: string[]): string {
  const parts = [dir, ...rest].join('/').split('/').filter((s) => s !== '' && s !== '.');
  return '/' + parts.join('/');
}

/** Resolves and checks one path; throws FerryError('bad-input') naming it when it is not allowed. */
export async function checkPath(p: string, policy: PathPolicy): Promise<string> {
  const real = await fsp.realpath(p).catch((e: NodeJS.ErrnoException) => {
    throw new FerryError('file-missing', `${p}: cannot be opened (${e.code ?? e.message})`, { file: p });
  });
  if (policy.staging && isInsideRoots(real, [policy.staging, await fsp.realpath(policy.staging).catch(() => policy.staging!)])) {
    return real;
  }
  // Roots may themselves be symlinks (/tmp on macOS); compare against their real paths too.
  const roots = await Promise.all(policy.allowed.map((r) => fsp.realpath(r).catch(() => r)));
  if (!isInsideRoots(real, [...policy.allowed, ...roots])) {
    throw new FerryError('bad-input', `${p}: outside the folders Ferry may read (${policy.allowed.join(', ') || 'none'})`, { file: p });
  }
  const denied = await Promise.all(policy.denied.map((r) => fsp.realpath(r).catch(() => r)));
  if (isInsideRoots(real, [...policy.denied, ...denied])) {
    throw new FerryError('bad-input', `${p}: inside a folder Ferry never uploads from (its own state, or credentials such as ~/.ssh)`, { file: p });
  }
  return real;
}

export async function expandPaths(paths: readonly string[], remoteDir: string, policy: PathPolicy): Promise<AddItem[]> {
  const items: AddItem[] = [];
  for (const p of paths) {
    const real = await checkPath(p, policy);
    const st = await fsp.stat(real);
    if (st.isFile()) {
      items.push({ localPath: real, remotePath: joinRemote(remoteDir, basename(p)), origin: 'user' });
    } else if (st.isDirectory()) {
      await walk(real, async (file) => {
        const rel = relative(real, file).split(sep);
        items.push({ localPath: file, remotePath: joinRemote(remoteDir, basename(p), ...rel), origin: 'user' });
        if (items.length > MAX_FILES) throw new FerryError('bad-input', `${p}: more than ${MAX_FILES} files; add a smaller folder or watch it instead`, { file: p });
      });
    } else {
      throw new FerryError('file-not-regular', `${p}: not a regular file or folder`, { file: p });
    }
  }
  return items;
}

async function walk(dir: string, onFile: (f: string) => Promise<void>): Promise<void> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) await walk(full, onFile);
    else if (e.isFile()) await onFile(full);
  }
}
