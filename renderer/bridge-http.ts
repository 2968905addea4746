// The host bridge: the same contract over HTTP. The page was opened with the token in its URL,
// which the host traded for an HttpOnly cookie, so requests here carry no secret of their own;
// they add the custom header the host requires of cookie-authenticated API calls.
import { HOST_ROUTES, type Bridge, type CommandChannel, type EventChannel, type Events, type Req, type Res, type Result } from '../app/common/api.js';

export interface HttpBridge extends Bridge {
  /** Streams one file to the host's staging area; answers the staged path and its top-level entry. */
  stage(file: Blob, relativePath: string, batch: string): Promise<Result<{ localPath: string; top: string }>>;
  /** Called with false when the event stream drops and true when it is back. */
  onConnection(l: (up: boolean) => void): void;
}

const headers = { [HOST_ROUTES.csrfHeader]: '1' };

async function asResult<T>(p: Promise<Response>, what: string): Promise<Result<T>> {
  try {
    const res = await p;
    const body = (await res.json().catch(() => undefined)) as Result<T> | undefined;
    if (body && typeof body === 'object' && 'ok' in body) return body;
    return { ok: false, error: { code: 'protocol', message: `${what}: the host answered HTTP ${res.status}` } };
  } catch (e) {
    return { ok: false, error: { code: 'network', message: `${what}: the Ferry host is not reachable (${(e as Error).message})` } };
  }
}

export function httpBridge(base = ''): HttpBridge {
  const listeners = new Map<EventChannel, Set<(p: unknown) => void>>();
  const connection: ((up: boolean) => void)[] = [];
  let source: EventSource | undefined;

  const connect = () => {
    source = new EventSource(`${base}${HOST_ROUTES.events}`);
    source.onopen = () => connection.forEach((l) => l(true));
    source.onerror = () => {
      connection.forEach((l) => l(false));
      // EventSource retries by itself after a network drop, but gives up for good on an HTTP
      // error (a restarting host answering 502 through a proxy); reopen it ourselves then.
      if (source?.readyState === EventSource.CLOSED) setTimeout(connect, 2_000);
    };
    for (const [event, set] of listeners) attach(event, set);
  };
  const attach = (event: EventChannel, set: Set<(p: unknown) => void>) => {
    source?.addEventListener(event, (e) => {
      const data: unknown = JSON.parse((e as MessageEvent<string>).data);
      for (const l of set) l(data);
    });
  };

  return {
    kind: 'http',
    invoke<C extends CommandChannel>(channel: C, req: Req<C>): Promise<Result<Res<C>>> {
      return asResult(fetch(`${base}${HOST_ROUTES.call}${channel}`, {
        method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(req),
      }), channel);
    },
    on<E extends EventChannel>(event: E, listener: (p: Events[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
        if (source) attach(event, set);
      }
      set.add(listener as (p: unknown) => void);
      if (!source) connect();
      return () => set.delete(listener as (p: unknown) => void);
    },
    stage(file, relativePath, batch) {
      return asResult(fetch(`${base}${HOST_ROUTES.files}`, {
        method: 'POST', body: file,
        headers: { ...headers, 'content-type': 'application/octet-stream', 'x-ferry-name': encodeURIComponent(relativePath), 'x-ferry-batch': batch },
      }), `sending ${relativePath} to the host`);
    },
    onConnection(l) {
      connection.push(l);
    },
  };
}
