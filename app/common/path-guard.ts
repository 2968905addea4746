// Pure checks for paths and senders that come from a UI. Works on POSIX and Windows paths
// without node:path, so main, the host and unit tests share one definition. Callers resolve
// symlinks (realpath) before asking, so a link inside a root cannot point outside it.

export interface NormalizedPath {
  /** '/' on POSIX; 'C:\\' or '\\\\server\\share\\' on Windows. */
  root: string;
  parts: string[];
  windows: boolean;
}

/** Parses an absolute path, resolving '.' and '..'. Returns undefined for relative paths or NUL. */
export function normalizeAbsolute(p: string): NormalizedPath | undefined {
  if (p.includes('\0') || p === '') return undefined;
  let root: string;
  let rest: string;
  let windows = false;
  const drive = /^([A-Za-z]):[\\/]/.exec(p);
  const unc = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)/.exec(p);
  if (drive) {
    windows = true;
    root = `${drive[1]!.toUpperCase()}:\\`;
    rest = p.slice(3);
  } else if (unc && p.includes('\\')) {
    windows = true;
    root = `\\\\${unc[1]}\\${unc[2]}\\`;
    rest = p.slice(unc[0].length);
  } else if (p.startsWith('/')) {
    root = '/';
    rest = p.slice(1);
  } else {
    return undefined;
  }
  const parts: string[] = [];
  for (const seg of rest.split(windows ? /[\\/]+/ : /\/+/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      parts.pop();
      continue;
    }
    parts.push(seg);
  }
  return { root, parts, windows };
}

/** True when `p` is one of `roots` or lies below one (Windows compares case-insensitively). */
export function isInsideRoots(p: string, roots: readonly string[]): boolean {
  const target = normalizeAbsolute(p);
  if (!target) return false;
  return roots.some((r) => {
    const root = normalizeAbsolute(r);
    if (!root || root.windows !== target.windows) return false;
    const fold = (s: string) => (target.windows ? s.toLowerCase() : s);
    if (fold(root.root) !== fold(target.root) || root.parts.length > target.parts.length) return false;
    return root.parts.every((seg, i) => fold(seg) === fold(target.parts[i]!));
  });
}

/** True when `p` is `denied` itself or below it: the app's own state (tokens, journal) is never uploadable. */
export function isInside(p: string, dir: string): boolean {
  return isInsideRoots(p, [dir]);
}

export interface SenderInfo {
  /** URL of the frame that sent the message. */
  url: string;
  /** False for iframes: only the top frame of our own page may call. */
  isMainFrame: boolean;
}

/** A sender is trusted when it is the top frame of our page, at exactly our origin. */
export function isTrustedSender(sender: SenderInfo | null | undefined, appOrigin: string): boolean {
  if (!sender || !sender.isMainFrame || typeof sender.url !== 'string') return false;
  let u: URL;
  try {
    u = new URL(sender.url);
  } catch {
    return false;
  }
  // URL.origin is 'null' for non-special schemes; compare scheme and host explicitly.
  const want = new URL(appOrigin);
  return u.protocol === want.protocol && u.host === want.host && u.username === '' && u.password === '';
}

/** The only URLs `app:openExternal` may open: https pages on these hosts (docs, provider consoles). */
export const EXTERNAL_ALLOW_LIST = ['github.com', 'docs.ferry.example', 'account.box.com', 'portal.azure.com', 'www.synapse.org', 'redivis.com'] as const;

export function isAllowedExternalUrl(url: string, allow: readonly string[] = EXTERNAL_ALLOW_LIST): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.username === '' && u.password === '' && u.port === '' && allow.includes(u.hostname);
  } catch {
    return false;
  }
}
