// Turns the paths a UI hands over (files and folders) into engine items, after checking each
// one lies inside the allowed roots. Symlinks are resolved first so a link cannot smuggle a
// path out of a root; links met while walking a folder are skipped (no loops, no escapes).
// Every file found inside a folder is checked against the never-upload list too, and each one
// left out is reported with its reason.
import { promises as fsp } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import type { SkippedPath } from '../common/api.js';
import { FerryError } from '../common/errors.js';
import { mayBeUndecodable, NOT_UTF8 } from '../common/file-names.js';
import { isInsideRoots } from '../common/path-guard.js';
import { secretReason } from '../common/secret-paths.js';
import type { AddItem } from '../engine/engine-api.js';

export interface PathPolicy {
  /** Roots files may come from. */
  allowed: readonly string[];
  /** Roots that are never uploadable even inside an allowed one (the app's own state, credentials). */
  denied: readonly string[];
  /** $FERRY_HOME, named as such in skip reasons. */
  ferryHome?: string;
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
  if (await isStaged(real, policy)) return real;
  // Roots may themselves be symlinks (/tmp on macOS); compare against their real paths too.
  const roots = await Promise.all(policy.allowed.map((r) => fsp.realpath(r).catch(() => r)));
  if (!isInsideRoots(real, [...policy.allowed, ...roots])) {
    throw new FerryError('bad-input', `${p}: outside the folders Ferry may read (${policy.allowed.join(', ') || 'none'})`, { file: p });
  }
  const why = await deniedWhy(real, policy);
  if (why) throw new FerryError('bad-input', `${p}: ${why}`, { file: p });
  return real;
}

/** Browser uploads the host staged: the user sent their content, so no deny list applies. */
async function isStaged(real: string, policy: PathPolicy): Promise<boolean> {
  return !!policy.staging && isInsideRoots(real, [policy.staging, await fsp.realpath(policy.staging).catch(() => policy.staging!)]);
}

/** A checker for many paths: the denied roots' real paths are resolved once. */
async function denyChecker(policy: PathPolicy): Promise<(real: string) => string | undefined> {
  const denied = await Promise.all(policy.denied.map((r) => fsp.realpath(r).catch(() => r)));
  const home = policy.ferryHome === undefined ? [] : [policy.ferryHome, await fsp.realpath(policy.ferryHome).catch(() => policy.ferryHome!)];
  const roots = [...policy.denied, ...denied];
  return (real) => secretReason(real, roots, home.find((h) => isInsideRoots(real, [h])));
}

async function deniedWhy(real: string, policy: PathPolicy): Promise<string | undefined> {
  return (await denyChecker(policy))(real);
}

export interface Expanded {
  items: AddItem[];
  /** Files inside the added folders that are never uploaded, with the reason. */
  skipped: SkippedPath[];
}

export async function expandPaths(paths: readonly string[], remoteDir: string, policy: PathPolicy): Promise<Expanded> {
  const items: AddItem[] = [];
  const skipped: SkippedPath[] = [];
  const denied = await denyChecker(policy);
  for (const p of paths) {
    const real = await checkPath(p, policy);
    const staged = await isStaged(real, policy);
    const st = await fsp.stat(real);
    if (st.isFile()) {
      items.push({ localPath: real, remotePath: joinRemote(remoteDir, basename(p)), origin: 'user' });
    } else if (st.isDirectory()) {
      await walk(real, staged ? () => undefined : denied, skipped, async (file) => {
        const rel = relative(real, file).split(sep);
        items.push({ localPath: file, remotePath: joinRemote(remoteDir, basename(p), ...rel), origin: 'user' });
        if (items.length > MAX_FILES) throw new FerryError('bad-input', `${p}: more than ${MAX_FILES} files; add a smaller folder or watch it instead`, { file: p });
      });
    } else {
      throw new FerryError('file-not-regular', `${p}: not a regular file or folder`, { file: p });
    }
  }
  return { items, skipped };
}

/** Walks without following links; each file (not only the folder added) meets the deny list. */
async function walk(dir: string, denied: (p: string) => string | undefined, skipped: SkippedPath[], onFile: (f: string) => Promise<void>): Promise<void> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isSymbolicLink()) skipped.push({ path: full, reason: 'symbolic link (not followed)' });
    if (!e.isDirectory() && !e.isFile()) continue;
    const why = denied(full);
    // A denied folder is reported once, as a folder; nothing under it is read.
    if (why) skipped.push({ path: e.isDirectory() ? full + sep : full, reason: why });
    else if (e.isDirectory()) await walk(full, denied, skipped, onFile);
    else if (mayBeUndecodable(e.name) && !(await fsp.lstat(full).then(() => true, () => false))) skipped.push({ path: full, reason: NOT_UTF8 });
    else await onFile(full);
  }
}
