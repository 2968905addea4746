// What `ferry host` may read: only the --allow-root folders, never Ferry's own state or the
// user's credentials (the same never-upload list as the desktop app), and always its staging
// area for browser uploads.
import { homedir } from 'node:os';
import { secretRoots } from '../common/secret-paths.js';
import type { PathPolicy } from '../service/expand-paths.js';

export function hostPathPolicy(o: { allowRoots: readonly string[]; ferryHome: string; staging: string; home?: string; env?: NodeJS.ProcessEnv }): PathPolicy {
  const env = o.env ?? process.env;
  const denied = secretRoots({
    platform: process.platform, home: o.home ?? homedir(), ferryHome: o.ferryHome,
    ...(env.APPDATA ? { appData: env.APPDATA } : {}), ...(env.LOCALAPPDATA ? { localAppData: env.LOCALAPPDATA } : {}),
  });
  return { allowed: o.allowRoots, denied, ferryHome: o.ferryHome, staging: o.staging };
}
