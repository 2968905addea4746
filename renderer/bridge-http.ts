// The host bridge: the same contract over HTTP. The page is opened with a single-use code in
// its URL fragment; it trades the code once for a session secret of its own, keeps that in
// sessionStorage (this tab only; never a cookie, which every server on 127.0.0.1 would receive)
// and sends it as a header on every request, the event stream included (read with fetch, since
// EventSource cannot send headers). The code is then removed from the address bar and history.
import { HOST_ROUTES, type Bridge, type CommandChannel, type EventChannel, type Events, type Req, type Res, type Result } from '../app/common/api.js';

export interface HttpBridge extends Bridge {
  /** Opens a session with the host token (typed by the user when the link was already used). */
  signIn(token: string): Promise<Result<null>>;
  /**
   * Streams one file to the host's staging area; answers the staged path and its top-level entry.
   * `onSent` follows the copy's progress (bytes so far).
   */
  stage(file: Blob, relativePath: string, batch: string, onSent?: (bytes: number) => void): Promise<Result<{ localPath: string; top: string }>>;
  /** Called with false when the event stream drops and true when it is back. */
  onConnection(l: (up: boolean) => void): void;
}

const SESSION_HEADER = HOST_ROUTES.sessionHeader;
const SESSION_KEY = 'ferry-session';
let session: Promise<string> | undefined;

/** The session secret: from this tab's storage, or by trading the URL's one-time code. */
function sessionSecret(base: string): Promise<string> {
  session ??= (async () => {
    const code = /^#code=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1];
    // Whatever happens next, the code leaves the address bar and the history entry.
    if (location.hash) history.replaceState(null, '', location.pathname);
    if (code) {
      const res = await fetch(`${base}${HOST_ROUTES.session}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) }).catch(() => undefined);
      const body = (await res?.json().catch(() => undefined)) as { ok?: boolean; value?: { session?: string } } | undefined;
      if (body?.ok && body.value?.session) sessionStorage.setItem(SESSION_KEY, body.value.session);
    }
    return sessionStorage.getItem(SESSION_KEY) ?? '';
  })();
  return session;
}

async function headersFor(base: string): Promise<Record<string, string>> {
  return { [SESSION_HEADER]: await sessionSecret(base) };
}

/** Reads `event:`/`data:` frames from a text/event-stream body. */
async function readEvents(body: ReadableStream<Uint8Array>, on: (event: string, data: string) => void): Promise<void> {
  const reader = body.getReader();
  const text = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += text.decode(value, { stream: true }).replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) on(event, data.join('\n'));
    }
  }
}

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
  let connected = false;

  // One stream for all events, reopened after any drop (a restarting host, a network blip).
  const connect = async (): Promise<void> => {
    connected = true;
    for (;;) {
      try {
        const res = await fetch(`${base}${HOST_ROUTES.events}`, { headers: await headersFor(base), cache: 'no-store' });
        if (res.ok && res.body) {
          connection.forEach((l) => l(true));
          await readEvents(res.body, (event, data) => {
            const set = listeners.get(event as EventChannel);
            if (set) { const p: unknown = JSON.parse(data); for (const l of set) l(p); }
          });
        }
      } catch {
        // dropped: reported below, retried after a pause
      }
      connection.forEach((l) => l(false));
      await new Promise((r) => setTimeout(r, 2_000));
    }
  };

  return {
    kind: 'http',
    invoke<C extends CommandChannel>(channel: C, req: Req<C>): Promise<Result<Res<C>>> {
      return asResult(headersFor(base).then((headers) => fetch(`${base}${HOST_ROUTES.call}${channel}`, {
        method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(req),
      })), channel);
    },
    on<E extends EventChannel>(event: E, listener: (p: Events[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener as (p: unknown) => void);
      if (!connected) void connect();
      return () => set.delete(listener as (p: unknown) => void);
    },
    async signIn(token) {
      const r = await asResult<{ session: string }>(fetch(`${base}${HOST_ROUTES.session}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }), 'signing in');
      if (!r.ok) return r;
      sessionStorage.setItem(SESSION_KEY, r.value.session);
      session = Promise.resolve(r.value.session);
      return { ok: true, value: null };
    },
    async stage(file, relativePath, batch, onSent) {
      const headers = { ...(await headersFor(base)), 'content-type': 'application/octet-stream', 'x-ferry-name': encodeURIComponent(relativePath), 'x-ferry-batch': batch };
      if (!onSent) {
        return asResult(fetch(`${base}${HOST_ROUTES.files}`, { method: 'POST', body: file, headers }), `sending ${relativePath} to the host`);
      }
      // fetch() reports no progress for a request body; XMLHttpRequest does.
      return stageWithProgress(`${base}${HOST_ROUTES.files}`, file, relativePath, headers, onSent);
    },
    onConnection(l) {
      connection.push(l);
    },
  };
}

function stageWithProgress(url: string, file: Blob, rel: string, headers: Record<string, string>, onSent: (n: number) => void): Promise<Result<{ localPath: string; top: string }>> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onerror = () => resolve({ ok: false, error: { code: 'network', message: `sending ${rel} to the host: the connection failed` } });
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as Result<{ localPath: string; top: string }>;
        if (body && typeof body === 'object' && 'ok' in body) return resolve(body);
      } catch {
        // Not a Result: answered below.
      }
      resolve({ ok: false, error: { code: 'protocol', message: `sending ${rel} to the host: the host answered HTTP ${xhr.status}` } });
    };
    xhr.send(file);
  });
}
