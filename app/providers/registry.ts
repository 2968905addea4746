// Every provider Ferry speaks: its client factory, its emulator, and how a client is pointed
// at a running emulator (what `ferry emulate` prints and what the sandbox target uses).
import type { ProviderId } from '../common/transfer.js';
import type { ProviderFactory } from '../engine/provider.js';
import type { RunningEmulator } from './shared/emulator-host.js';
import type { EmulatorOptions } from './shared/emulator-types.js';
import { createBoxProvider } from './box/client.js';
import { startBoxEmulator } from './box/emulator.js';
import { createRedivisProvider } from './redivis/client.js';
import { startRedivisEmulator } from './redivis/emulator.js';
import { createOnedriveProvider } from './onedrive/client.js';
import { startOnedriveEmulator } from './onedrive/emulator.js';
import { createSynapseProvider } from './synapse/client.js';
import { startSynapseEmulator } from './synapse/emulator.js';
import { createTusProvider } from './tus/client.js';
import { startTusEmulator } from './tus/emulator.js';
import { createUcloudProvider } from './ucloud/client.js';
import { startUcloudEmulator } from './ucloud/emulator.js';

export interface EmulatorEndpoint {
  /** What a client passes as the endpoint URL. */
  url: string;
  /** Provider options the client needs for this emulator (e.g. a Redivis table). */
  options: Record<string, string>;
}

export interface ProviderEntry {
  id: ProviderId;
  label: string;
  create: ProviderFactory;
  emulate(opts: EmulatorOptions): Promise<RunningEmulator>;
  endpointFor(emu: RunningEmulator): EmulatorEndpoint;
}

const same = (emu: RunningEmulator): EmulatorEndpoint => ({ url: emu.url, options: {} });

export const PROVIDERS: Partial<Record<ProviderId, ProviderEntry>> = {
  ucloud: { id: 'ucloud', label: 'UCloud', create: createUcloudProvider, emulate: startUcloudEmulator, endpointFor: same },
  redivis: {
    id: 'redivis', label: 'Redivis', create: createRedivisProvider, emulate: startRedivisEmulator,
    endpointFor: (emu) => ({ url: emu.url, options: { table: 'sandbox.dataset.uploads', pollIntervalMs: '200' } }),
  },
  synapse: {
    id: 'synapse', label: 'Synapse', create: createSynapseProvider, emulate: startSynapseEmulator,
    endpointFor: (emu) => ({ url: emu.url, options: { parentId: 'syn1' } }),
  },
  onedrive: {
    id: 'onedrive', label: 'OneDrive', create: createOnedriveProvider, emulate: startOnedriveEmulator,
    endpointFor: (emu) => ({ url: `${emu.url}/v1.0`, options: {} }),
  },
  box: { id: 'box', label: 'Box', create: createBoxProvider, emulate: startBoxEmulator, endpointFor: same },
  tus: { id: 'tus', label: 'tus', create: createTusProvider, emulate: startTusEmulator, endpointFor: same },
};

export function providerEntry(id: string): ProviderEntry {
  const p = (PROVIDERS as Record<string, ProviderEntry | undefined>)[id];
  if (!p) {
    const known = Object.keys(PROVIDERS).join(', ');
    throw new Error(`unknown provider '${id}' (known: ${known})`);
  }
  return p;
}

/** Origin of an emulator (where `/_emulator/*` lives), whatever path its client URL has. */
export function emulatorOrigin(emu: RunningEmulator): string {
  return new URL(emu.url).origin;
}
