// Every provider's emulator, and how a client is pointed at a running one (what `ferry emulate`
// prints, what the sandbox target and the tests use). Client code never imports this file.
import type { ProviderId } from '../common/transfer.js';
import type { RunningEmulator } from './kit/emulator-host.js';
import type { EmulatorOptions } from './kit/emulator-types.js';
import { boxUploadUrl, startBoxEmulator } from './box/emulator.js';
import { startOnedriveEmulator } from './onedrive/emulator.js';
import { startRedivisEmulator } from './redivis/emulator.js';
import { startSynapseEmulator } from './synapse/emulator.js';
import { startTusEmulator } from './tus/emulator.js';
import { startUcloudEmulator } from './ucloud/emulator.js';

export interface EmulatorEndpoint {
  /** What a client passes as the endpoint URL. */
  url: string;
  /** Provider options the client needs for this emulator (e.g. a Redivis table). */
  options: Record<string, string>;
}

export interface EmulatorEntry {
  id: ProviderId;
  emulate(opts: EmulatorOptions): Promise<RunningEmulator>;
  endpointFor(emu: RunningEmulator): EmulatorEndpoint;
}

const same = (emu: RunningEmulator): EmulatorEndpoint => ({ url: emu.url, options: {} });

export const EMULATORS: Record<ProviderId, EmulatorEntry> = {
  // UCloud paths begin with a drive id; the emulator accepts any numeric one.
  ucloud: { id: 'ucloud', emulate: startUcloudEmulator, endpointFor: (emu) => ({ url: emu.url, options: { drive: '1' } }) },
  redivis: { id: 'redivis', emulate: startRedivisEmulator, endpointFor: (emu) => ({ url: emu.url, options: { table: 'sandbox.dataset.uploads', pollIntervalMs: '200' } }) },
  synapse: { id: 'synapse', emulate: startSynapseEmulator, endpointFor: (emu) => ({ url: emu.url, options: { parentId: 'syn1' } }) },
  onedrive: { id: 'onedrive', emulate: startOnedriveEmulator, endpointFor: (emu) => ({ url: `${emu.url}/v1.0`, options: {} }) },
  // Box's API and upload service are two origins; the client needs both (app/providers/box/README.md).
  box: { id: 'box', emulate: startBoxEmulator, endpointFor: (emu) => ({ url: emu.url, options: { uploadUrl: boxUploadUrl(emu) } }) },
  tus: { id: 'tus', emulate: startTusEmulator, endpointFor: same },
};

export function emulatorEntry(id: string): EmulatorEntry {
  const e = (EMULATORS as Record<string, EmulatorEntry | undefined>)[id];
  if (!e) throw new Error(`unknown provider '${id}' (known: ${Object.keys(EMULATORS).join(', ')})`);
  return e;
}

/** Origin of an emulator (where `/_emulator/*` lives), whatever path its client URL has. */
export function emulatorOrigin(emu: RunningEmulator): string {
  return new URL(emu.url).origin;
}

/** Options that start an emulator again on the ports it has now (a restart in place), Box's upload port included. */
export function samePorts(emu: RunningEmulator): { port: number; uploadPort?: number } {
  const up = (emu as { uploadUrl?: unknown }).uploadUrl;
  return { port: Number(new URL(emu.url).port), ...(typeof up === 'string' ? { uploadPort: Number(new URL(up).port) } : {}) };
}
