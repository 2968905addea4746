// Where Ferry keeps its state: $FERRY_HOME, else the OS's per-user application data folder
// (the same folder Electron's app.getPath('userData') gives the desktop app, so the CLI, the
// host and the desktop app share one journal).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function ferryHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FERRY_HOME) return env.FERRY_HOME;
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Ferry');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Ferry');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Ferry');
}
