// The providers the bench covers, as the registry lists them. Box's folder is complete but the
// registry may not list it yet; until the lead wires it, the bench registers it here the same way
// (a no-op once the registry has its own entry).
import type { ProviderId } from '../../app/common/transfer.js';
import { createBoxProvider } from '../../app/providers/box/client.js';
import { startBoxEmulator } from '../../app/providers/box/emulator.js';
import { PROVIDERS, type ProviderEntry } from '../../app/providers/registry.js';

PROVIDERS.box ??= {
  id: 'box', label: 'Box', create: (o) => createBoxProvider(o), emulate: startBoxEmulator,
  endpointFor: (emu) => ({ url: emu.url, options: {} }),
};

export function benchEntry(id: string): ProviderEntry {
  const e = PROVIDERS[id as ProviderId];
  if (!e) throw new Error(`bench: unknown provider '${id}' (known: ${Object.keys(PROVIDERS).join(', ')})`);
  return e;
}

export { PROVIDERS };
