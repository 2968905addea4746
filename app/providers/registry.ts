// Every provider Ferry speaks, as a client: its id, the name people know it by, and its factory.
// The emulators have their own registry (app/emulators/registry.ts), so a build that carries
// only clients (the desktop app) pulls in no emulator code.
import type { ProviderId } from '../common/transfer.js';
import type { ProviderFactory } from '../engine/provider.js';
import { createBoxProvider } from './box/client.js';
import { createOnedriveProvider } from './onedrive/client.js';
import { createRedivisProvider } from './redivis/client.js';
import { createSynapseProvider } from './synapse/client.js';
import { createTusProvider } from './tus/client.js';
import { createUcloudProvider } from './ucloud/client.js';

export interface ClientEntry {
  id: ProviderId;
  label: string;
  create: ProviderFactory;
}

export const CLIENTS: Record<ProviderId, ClientEntry> = {
  ucloud: { id: 'ucloud', label: 'UCloud', create: createUcloudProvider },
  redivis: { id: 'redivis', label: 'Redivis', create: createRedivisProvider },
  synapse: { id: 'synapse', label: 'Synapse', create: createSynapseProvider },
  onedrive: { id: 'onedrive', label: 'OneDrive', create: createOnedriveProvider },
  box: { id: 'box', label: 'Box', create: createBoxProvider },
  tus: { id: 'tus', label: 'tus', create: createTusProvider },
};

export function clientEntry(id: string): ClientEntry {
  const p = (CLIENTS as Record<string, ClientEntry | undefined>)[id];
  if (!p) throw new Error(`unknown provider '${id}' (known: ${Object.keys(CLIENTS).join(', ')})`);
  return p;
}
