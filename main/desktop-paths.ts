// Where the desktop app may read files from. The renderer only ever hands over paths the user
// dropped or picked, but a compromised renderer could name any path; these roots bound what it
// could make Ferry upload. Ferry's own state and well-known secret folders are denied outright,
// from the same definition `ferry host` and folder sync use (app/common/secret-paths.ts).
import { secretRoots } from '../app/common/secret-paths.js';
import type { PathPolicy } from '../app/service/expand-paths.js';

export function desktopPathPolicy(o: { platform: string; home: string; ferryHome: string; tmp: string; appData?: string; localAppData?: string }): PathPolicy {
  const allowed = o.platform === 'win32'
    // Every drive letter: external disks and network shares mount as letters on Windows.
    ? 'CDEFGHIJKLMNOPQRSTUVWXYZ'.split('').map((d) => `${d}:\\`)
    : [o.home, o.tmp, '/media', '/mnt', '/run/media', '/Volumes'];
  return { allowed, denied: secretRoots(o), ferryHome: o.ferryHome };
}
