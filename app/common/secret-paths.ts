// Files that must never leave this computer, whatever folder they are found in: Ferry's own
// state ($FERRY_HOME: the host token, every account's token, session URLs), SSH and GPG keys,
// cloud and container credentials, browser profiles and keyrings, the OS keychains. One
// definition for the desktop app, `ferry host`, `ferry sync` and folder sync; pure (no node:*),
// so main, the host and unit tests share it. Callers pass real (symlink-resolved) paths.
import { isInsideRoots, normalizeAbsolute } from './path-guard.js';

export interface SecretPathContext {
  platform: string;
  /** The user's home folder. */
  home: string;
  /** $FERRY_HOME. */
  ferryHome: string;
  /** Windows %APPDATA% and %LOCALAPPDATA% (defaults under home). */
  appData?: string;
  localAppData?: string;
  /** Other folders of Ferry's own (the sandbox's data when it lives elsewhere). */
  extra?: readonly string[];
}

/**
 * Names denied wherever they appear in a path, not only in the home folder: a backup of another
 * home (`/mnt/old/home/me/.ssh`) holds the same keys.
 */
export const SECRET_NAMES: readonly string[] = [
  '.ssh', '.gnupg', '.aws', '.azure', '.netrc', '_netrc', '.docker', '.git-credentials', '.kube', '.pgpass',
  'host-token',
];

/** Absolute roots never uploaded on this platform. */
export function secretRoots(c: SecretPathContext): string[] {
  const win = c.platform === 'win32';
  const sep = win ? '\\' : '/';
  const at = (base: string, ...p: string[]) => [base, ...p].join(sep);
  const home = (...p: string[]) => at(c.home, ...p);
  const common = [
    c.ferryHome, ...(c.extra ?? []),
    home('.ssh'), home('.gnupg'), home('.aws'), home('.azure'), home('.netrc'), home('_netrc'), home('.docker'),
    home('.git-credentials'), home('.kube'), home('.pgpass'), home('.config', 'gcloud'), home('.password-store'),
  ];
  if (win) {
    const appData = c.appData ?? home('AppData', 'Roaming');
    const local = c.localAppData ?? home('AppData', 'Local');
    return [
      ...common,
      at(appData, 'Microsoft', 'Credentials'), at(local, 'Microsoft', 'Credentials'), at(appData, 'Microsoft', 'Protect'),
      at(appData, 'Microsoft', 'Crypto'), at(appData, 'Microsoft', 'Vault'), at(local, 'Microsoft', 'Vault'),
      at(appData, 'Mozilla'), at(local, 'Google', 'Chrome', 'User Data'), at(local, 'Chromium', 'User Data'),
      at(local, 'Microsoft', 'Edge', 'User Data'), at(local, 'BraveSoftware'),
    ];
  }
  if (c.platform === 'darwin') {
    const support = (...p: string[]) => home('Library', 'Application Support', ...p);
    return [
      ...common, home('Library', 'Keychains'), home('Library', 'Cookies'), '/Library/Keychains',
      support('Google', 'Chrome'), support('Chromium'), support('Firefox'), support('Microsoft Edge'), support('BraveSoftware'),
      home('Library', 'Safari'),
    ];
  }
  return [
    ...common, home('.mozilla'), home('.config', 'google-chrome'), home('.config', 'chromium'), home('.config', 'BraveSoftware'),
    home('.config', 'microsoft-edge'), home('.local', 'share', 'keyrings'), home('.pki'), home('snap', 'firefox'),
  ];
}

/** Why `path` must never be uploaded, or undefined when it may be. */
export function secretReason(path: string, roots: readonly string[], ferryHome?: string): string | undefined {
  if (ferryHome !== undefined && isInsideRoots(path, [ferryHome])) return "inside Ferry's own state folder (tokens, journal, logs); never uploaded";
  const hit = roots.find((r) => isInsideRoots(path, [r]));
  if (hit !== undefined) return `inside ${hit}, which holds credentials or Ferry's own state; never uploaded`;
  const n = normalizeAbsolute(path);
  const name = n?.parts.find((p) => SECRET_NAMES.includes(n.windows ? p.toLowerCase() : p));
  if (name !== undefined) return `'${name}' holds credentials; never uploaded`;
  return undefined;
}
