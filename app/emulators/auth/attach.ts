// Starting an emulator together with its authorization server: the emulator's host then checks
// every bearer token against the server's book (kit `BearerCheck`).
import type { BearerCheck } from '../kit/emulator-types.js';
import { REJECTORS } from './challenges.js';
import { startOAuthServer, type RunningOAuthServer } from './oauth-server.js';
import type { Flavor } from './token-book.js';

export const FLAVOR_OF: Record<string, Flavor | undefined> = { box: 'box', onedrive: 'microsoft' };

export interface AuthForEmulator {
  server: RunningOAuthServer;
  check: BearerCheck;
  clientId: string;
  clientSecret?: string;
}

/** An authorization server for `provider` with one registered client (a secret for Box, public for Microsoft). */
export async function authFor(provider: string, o: { accessTtlMs: number; now?: () => number; host?: string; afterRedeem?: () => Promise<void> }): Promise<AuthForEmulator> {
  const flavor = FLAVOR_OF[provider];
  const reject = REJECTORS[provider];
  if (!flavor || !reject) throw new Error(`no emulated authorization server for ${provider} (box and onedrive have one)`);
  const clientId = `emu-${provider}-client`;
  const clientSecret = flavor === 'box' ? `emu-${provider}-secret` : undefined;
  const server = await startOAuthServer({ flavor, clients: [{ clientId, ...(clientSecret ? { clientSecret } : {}) }], accessTtlMs: o.accessTtlMs, ...(o.now ? { now: o.now } : {}), ...(o.host ? { host: o.host } : {}), ...(o.afterRedeem ? { afterRedeem: o.afterRedeem } : {}) });
  return { server, check: { valid: (t) => server.book.valid(t), reject }, clientId, ...(clientSecret ? { clientSecret } : {}) };
}
