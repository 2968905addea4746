// Where Ferry keeps its state: $FERRY_HOME, else the OS's per-user application data folder
// (the same folder Electron's app.getPath('userData') gives the desktop app, so the CLI, the
// host and the desktop app share one journal).
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function ferryHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FERRY_HOME) return env.FERRY_HOME;
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Ferry');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Ferry');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Ferry');
}

/**
 * Creates $FERRY_HOME owner-only (0700), and tightens one an older version left readable by
 * others: it holds account tokens, session URLs and the host token.
 */
export function secureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  try {
    if (process.platform !== 'win32' && (statSync(home).mode & 0o077) !== 0) chmodSync(home, 0o700);
  } catch {
    // Not ours to change (a shared folder set by an administrator): leave it as it is.
  }
}
