// Where the desktop app may read files from. The renderer only ever hands over paths the user
// dropped or picked, but a compromised renderer could name any path; these roots bound what it
// could make Ferry upload. Ferry's own state and well-known secret folders are denied outright.
import type { PathPolicy } from '../app/service/expand-paths.js';

export function desktopPathPolicy(o: { platform: string; home: string; ferryHome: string; tmp: string }): PathPolicy {
  const sep = o.platform === 'win32' ? '\\' : '/';
  const inHome = (...p: string[]) => [o.home, ...p].join(sep);
  const allowed = o.platform === 'win32'
    // Every drive letter: external disks and network shares mount as letters on Windows.
    ? 'CDEFGHIJKLMNOPQRSTUVWXYZ'.split('').map((d) => `${d}:\\`)
    : [o.home, o.tmp, '/media', '/mnt', '/run/media', '/Volumes'];
  const denied = [o.ferryHome, inHome('.ssh'), inHome('.gnupg'), inHome('.aws'), inHome('.config', 'gcloud'), inHome('.kube')];
  return { allowed, denied };
}
