// One provider client per target, created on first use and kept for the engine's life (its
// connection pool and any token it refreshed go with it). The targets' tokens are collected so
// that no error text a transfer carries can quote them (fault row 40).
import { FerryError } from '../common/errors.js';
import type { TargetConfig, TargetStore } from './engine-api.js';
import type { Http } from './http.js';
import type { Clock } from './ports.js';
import type { Provider, ProviderFactory } from './provider.js';

export interface TargetProviderDeps {
  targets: TargetStore;
  providers: (id: TargetConfig['provider']) => ProviderFactory;
  http: Http;
  /** The Http for one target's provider (an account's, which keeps its token fresh); `http` when absent or undefined. */
  httpFor?: (t: TargetConfig) => Http | undefined;
  clock: Clock;
}

export class TargetProviders {
  private readonly cache = new Map<string, Provider>();
  /** Account tokens of every target used so far. */
  readonly secrets = new Set<string>();

  constructor(private readonly d: TargetProviderDeps) {}

  /** The target's URL as configured now (a saved session made against another one is never followed). */
  async url(targetId: string): Promise<string | undefined> {
    return (await this.d.targets.get(targetId))?.url;
  }

  async get(targetId: string): Promise<Provider> {
    const cached = this.cache.get(targetId);
    if (cached) return cached;
    const t = await this.d.targets.get(targetId);
    if (!t) throw new FerryError('bad-input', `target ${targetId} is not configured (was it removed?)`);
    this.secrets.add(t.token);
    const p = this.d.providers(t.provider)({ endpoint: { url: t.url, token: t.token }, http: this.d.httpFor?.(t) ?? this.d.http, clock: this.d.clock, options: t.options });
    this.cache.set(targetId, p);
    return p;
  }
}
