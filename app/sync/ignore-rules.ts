// Which paths of a watched folder are never uploaded: gitignore syntax (the `ignore` package,
// the same matcher as git's check-ignore), defaults for temporary and system files, the
// folder's own `.ferryignore`, and rules the user set for the folder.
import ignore, { type Ignore } from 'ignore';

/** Temporary, partial and system files no one means to upload. */
export const DEFAULT_IGNORES: readonly string[] = [
  // partial downloads
  '*.part', '*.partial', '*.crdownload', '*.download', '*.opdownload', '*.!qB',
  // editor swap, backup and lock files
  '*.swp', '*.swo', '*.swx', '*~', '.#*', '#*#', '.~lock.*#', '*.tmp',
  // Office owner files
  '~$*',
  // system files
  '.DS_Store', '._*', '.Spotlight-V100/', '.Trashes/', '.fseventsd/', '.TemporaryItems/',
  'Thumbs.db', 'ehthumbs.db', 'desktop.ini', '$RECYCLE.BIN/', 'System Volume Information/',
  // version-control metadata and Ferry's own rules file
  '.git/', '.hg/', '.svn/', '.ferryignore',
];

export const IGNORE_FILE = '.ferryignore';

export interface IgnoreMatcher {
  /** `rel` is '/'-separated and relative to the folder; directories end with '/'. */
  ignored(rel: string): boolean;
}

export function createIgnoreMatcher(opts: { defaults?: boolean; rules?: string[]; fileText?: string } = {}): IgnoreMatcher {
  const ig: Ignore = ignore({ allowRelativePaths: true });
  if (opts.defaults !== false) ig.add(DEFAULT_IGNORES as string[]);
  if (opts.fileText) ig.add(opts.fileText);
  if (opts.rules) ig.add(opts.rules);
  // The matcher checks every parent folder of a path on its own; memoising those checks keeps a
  // 100,000-file scan from re-testing the same folder prefixes over and over.
  const dirCache = new Map<string, boolean>();
  return {
    ignored(rel: string): boolean {
      if (rel === '' || rel === '/') return false;
      if (rel.endsWith('/')) {
        const hit = dirCache.get(rel);
        if (hit !== undefined) return hit;
        const v = ig.ignores(rel);
        if (dirCache.size > 50_000) dirCache.clear();
        dirCache.set(rel, v);
        return v;
      }
      return ig.ignores(rel);
    },
  };
}
