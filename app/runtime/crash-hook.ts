// Test hook of the crash harness (fault row 20): FERRY_CRASH_HOOK=after-create-before-persist
// SIGKILLs this process as soon as a provider has answered a session create, before the engine
// records the session in the journal, so a test can kill exactly in that gap. Unset, or any
// other value: the provider factory is returned unchanged.
import type { Provider, ProviderFactory } from '../engine/provider.js';

export function withCrashHook(factory: ProviderFactory, point: string | undefined, kill: () => void = () => process.kill(process.pid, 'SIGKILL')): ProviderFactory {
  if (point !== 'after-create-before-persist') return factory;
  return (o) => {
    const p = factory(o);
    const create: Provider['create'] = async (job, signal) => {
      const session = await p.create(job, signal);
      kill();
      return session;
    };
    // Every other member is the provider's own, bound to it (clients keep private state).
    return new Proxy(p, {
      get(target, key) {
        if (key === 'create') return create;
        const v: unknown = Reflect.get(target, key, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
}
