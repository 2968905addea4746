// The providers the bench covers: each one's client and emulator, from the two registries.
import { EMULATORS, type EmulatorEntry } from '../../app/emulators/registry.js';
import { CLIENTS, type ClientEntry } from '../../app/providers/registry.js';
import type { ProviderId } from '../../app/common/transfer.js';

export type BenchEntry = ClientEntry & EmulatorEntry;

export function benchEntry(id: string): BenchEntry {
  const c = CLIENTS[id as ProviderId];
  const e = EMULATORS[id as ProviderId];
  if (!c || !e) throw new Error(`bench: unknown provider '${id}' (known: ${Object.keys(CLIENTS).join(', ')})`);
  return { ...c, ...e };
}

export { CLIENTS };
