// Composition of the headless host from an engine and a target store (the real runtime in
// `ferry host`, a fake in unit tests): service, staging area, folder store, HTTP server.
import { join } from 'node:path';
import type { AppInfo } from '../common/api.js';
import type { Engine, TargetStore } from '../engine/engine-api.js';
import { createFerryService } from './ferry-service.js';
import { JsonFolderStore, type FolderWatching } from './folder-store.js';
import { startHostServer, type RunningHost } from './host-server.js';
import { StagingArea } from './staging.js';

export interface HostConfig {
  engine: Engine;
  targets: TargetStore;
  /** Ferry's state folder: never uploadable; holds staging/ and folders.json. */
  home: string;
  staticDir: string;
  version: string;
  port?: number;
  bind?: string;
  allowRemote?: boolean;
  /** Folders on the host machine whose files the UI may add by path (besides browser uploads). */
  allowRoots?: string[];
  token?: string;
  watching?: FolderWatching;
}

export async function startHost(c: HostConfig): Promise<RunningHost> {
  const staging = new StagingArea(join(c.home, 'staging'));
  const info: AppInfo = { shell: 'host', version: c.version, platform: process.platform, nativeDialog: false, tokenStorage: 'file' };
  const folders = new JsonFolderStore(join(c.home, 'folders.json'));
  const service = createFerryService({
    engine: c.engine,
    targets: c.targets,
    folders,
    info,
    paths: () => ({ allowed: c.allowRoots ?? [], denied: [c.home], staging: staging.dir }),
    ...(c.watching ? { watching: c.watching } : {}),
  });
  // Watched folders persist across restarts; a folder that cannot be watched now (unplugged
  // disk) must not stop the host from starting.
  for (const f of c.watching ? await folders.list() : []) await c.watching!.watch(f).catch(() => undefined);
  const stopSweep = c.engine.onChange((views) => void staging.sweep(views));
  const server = await startHostServer({
    service, staging, staticDir: c.staticDir,
    ...(c.port !== undefined ? { port: c.port } : {}),
    ...(c.bind !== undefined ? { bind: c.bind } : {}),
    ...(c.allowRemote !== undefined ? { allowRemote: c.allowRemote } : {}),
    ...(c.token !== undefined ? { token: c.token } : {}),
  });
  return { ...server, close: async () => { stopSweep(); await server.close(); } };
}
