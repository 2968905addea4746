// The headless host around a command service (from `startServices`, or built over a fake engine
// in unit tests): the staging area for browser uploads and the HTTP server.
import type { Engine } from '../engine/engine-api.js';
import type { FerryService } from '../service/ferry-service.js';
import { startHostServer, type RunningHost } from './host-server.js';
import type { StagingArea } from './staging.js';

export interface HostConfig {
  service: FerryService;
  /** For sweeping staged copies of browser uploads once their transfers settle. */
  engine: Engine;
  staging: StagingArea;
  staticDir: string;
  port?: number;
  bind?: string;
  allowRemote?: boolean;
  token?: string;
}

export async function startHost(c: HostConfig): Promise<RunningHost> {
  const stopSweep = c.engine.onChange((views) => void c.staging.sweep(views));
  const server = await startHostServer({
    service: c.service, staging: c.staging, staticDir: c.staticDir,
    ...(c.port !== undefined ? { port: c.port } : {}),
    ...(c.bind !== undefined ? { bind: c.bind } : {}),
    ...(c.allowRemote !== undefined ? { allowRemote: c.allowRemote } : {}),
    ...(c.token !== undefined ? { token: c.token } : {}),
  });
  return { ...server, close: async () => { stopSweep(); await server.close(); } };
}

/** What the host tells the window about itself. */
export function hostInfo(version: string): import('../common/api.js').AppInfo {
  return { shell: 'host', version, platform: process.platform, nativeDialog: false, tokenStorage: 'file' };
}
