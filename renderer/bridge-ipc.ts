// The desktop bridge: `window.ferry`, exposed by the preload (one method per channel).
import type { Bridge, CommandChannel, EventChannel, Events, FerryWindowApi, Req, Res, Result } from '../app/common/api.js';

export function ipcBridge(api: FerryWindowApi): Bridge {
  return {
    kind: 'ipc',
    invoke<C extends CommandChannel>(channel: C, req: Req<C>): Promise<Result<Res<C>>> {
      const fn = api[channel] as (r: Req<C>) => Promise<Result<Res<C>>>;
      return fn(req);
    },
    on<E extends EventChannel>(event: E, listener: (p: Events[E]) => void): () => void {
      const fn = api[event] as (l: (p: Events[E]) => void) => () => void;
      return fn(listener);
    },
  };
}
