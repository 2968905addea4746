// The HTTP adapter (undici). Bodies are Buffers sent as a few large slices so that progress
// and the stall watchdog can see bytes leave without copying them.
import { setFlagsFromString } from 'node:v8';
import { Agent, request, type Dispatcher } from 'undici';
import { FerryError } from '../common/errors.js';
import { isStreamBody, type Http, type HttpRequest, type HttpResponse, type StreamBody } from '../engine/http.js';
import { redactUrl } from '../common/redact.js';

export interface UndiciHttpOptions {
  /** Default stall bound: abort when nothing moves for this long. */
  idleTimeoutMs?: number;
  /** Extra CA certificates (PEM) to trust, e.g. an emulator's self-signed certificate. */
  ca?: string | string[];
}

/**
 * Bytes handed to the socket at a time: each is a write and a wait for it to drain, a cost per
 * slice, not per byte (loopback, 256 MiB, UCloud CHUNKED: 0.76 CPU s/GiB with 1 MiB, 0.68 with
 * 4 MiB). The slices are views of the caller's buffer, so their size costs no memory.
 */
const SLICE = 4 << 20;

let baselineWasm = false;

/**
 * A process-wide V8 setting, so it is the composition root's call (createRuntime), not something
 * constructing an HTTP client does behind the caller's back.
 *
 * undici parses responses with llhttp, compiled to WebAssembly on the first connection. V8's
 * optimising tier for it costs about 25 MiB of transient memory (and keeps ~10 MiB) for a parser
 * that reads a few hundred bytes per chunk; the baseline compiler (Liftoff) alone is plenty.
 * Measured with `npm run bench` (1 GiB): peak RSS 118 → 90 MiB with 8 MiB Box parts.
 * No other WebAssembly runs in Ferry's processes.
 */
export function preferBaselineWasm(): void {
  if (baselineWasm) return;
  baselineWasm = true;
  setFlagsFromString('--liftoff-only');
}

export class UndiciHttp implements Http {
  private readonly agent: Agent;
  private readonly idleTimeoutMs: number;

  constructor(o: UndiciHttpOptions = {}) {
    this.idleTimeoutMs = o.idleTimeoutMs ?? 30_000;
    this.agent = new Agent({
      // One pool per origin, connections kept alive between chunks (no new handshake and slow
      // start per chunk); one request per connection at a time, and no cap on connections, so
      // parts in flight (Box, Synapse) each get their own.
      keepAliveTimeout: 4_000,
      pipelining: 1,
      connections: null,
      // Our own watchdog bounds stalls in both directions; undici's would not see a stalled upload.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: o.ca ? { ca: o.ca } : {},
    });
  }

  async request(r: HttpRequest): Promise<HttpResponse> {
    const idle = r.idleTimeoutMs ?? this.idleTimeoutMs;
    const ac = new AbortController();
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => { stalled = true; ac.abort(); }, idle);
    };
    const onOuterAbort = (): void => ac.abort();
    if (r.signal?.aborted) throw cancelled(r);
    r.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const headers: Record<string, string> = { ...(r.headers ?? {}) };
    let body: Dispatcher.DispatchOptions['body'] = undefined;
    /** Set when a streamed body failed (the file got shorter): that, not the aborted request, is the error. */
    const bodyFailed: { error?: unknown } = {};
    // A paced body (bandwidth limit) waits for its turn slice by slice; the watchdog sleeps meanwhile.
    const pace = r.pace ? (want: number) => { clearTimeout(timer); return r.pace!(want, ac.signal).finally(touch); } : undefined;
    let reportsSent = false;
    if (isStreamBody(r.body)) {
      headers['content-length'] = String(r.body.length);
      body = streamed(r.body, touch, bodyFailed, r.onSent, pace) as unknown as Buffer;
      reportsSent = true;
    } else if (r.body !== undefined) {
      const buf = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
      headers['content-length'] = String(buf.length);
      // A paced body (bandwidth limit) is always sliced. undici accepts async iterables at run time;
      // its types only list Readable.
      reportsSent = buf.length > SLICE || (pace !== undefined && buf.length > 0);
      body = reportsSent ? (slices(buf, touch, r.onSent, buf.length > 0 ? pace : undefined) as unknown as Buffer) : buf;
    }
    touch();
    try {
      const res = await request(r.url, { method: r.method as Dispatcher.HttpMethod, headers, body, signal: ac.signal, dispatcher: this.agent });
      touch();
      if (r.body !== undefined && !reportsSent && !isStreamBody(r.body)) r.onSent?.(Buffer.byteLength(r.body));
      const parts: Buffer[] = [];
      for await (const c of res.body) {
        touch();
        parts.push(c as Buffer);
      }
      const data = Buffer.concat(parts);
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      return {
        status: res.statusCode,
        headers: h,
        body: data,
        text: () => data.toString('utf8'),
        json: <T>() => JSON.parse(data.toString('utf8')) as T,
      };
    } catch (e) {
      if (r.signal?.aborted) throw cancelled(r);
      if (bodyFailed.error !== undefined) throw bodyFailed.error;
      if (stalled) {
        throw new FerryError('stalled', `${r.method} ${redactUrl(r.url)}: no data moved for ${Math.round(idle / 1000)}s, connection abandoned`, { method: r.method, url: redactUrl(r.url) }, { cause: e });
      }
      throw networkError(r, e);
    } finally {
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onOuterAbort);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function* slices(buf: Buffer, touch: () => void, onSent?: (n: number) => void, pace?: (want: number) => Promise<number>): AsyncGenerator<Buffer> {
  for (let off = 0; off < buf.length;) {
    const want = Math.min(SLICE, buf.length - off);
    const n = pace ? Math.max(1, Math.min(want, await pace(want))) : want;
    const piece = buf.subarray(off, off + n);
    yield piece;
    // Reached when undici asks for the next slice, i.e. this one was accepted by the socket.
    touch();
    off += n;
    // The bytes of the body handed over so far (the port's contract), not this slice's size:
    // reporting the slice made a chunk's progress stick at its first MiB, then jump at its end.
    onSent?.(off);
  }
}

/** A streamed body as undici reads it: pacing, progress, the watchdog, and exactly `length` bytes or an error. */
async function* streamed(b: StreamBody, touch: () => void, failed: { error?: unknown }, onSent?: (n: number) => void, pace?: (want: number) => Promise<number>): AsyncGenerator<Buffer> {
  let sent = 0;
  try {
    for await (const whole of b.read()) {
      if (whole.length === 0) continue;
      if (sent + whole.length > b.length) throw new FerryError('internal', `streamed body longer than its declared ${b.length} bytes`);
      for (let off = 0; off < whole.length;) {
        const want = whole.length - off;
        const n = pace ? Math.max(1, Math.min(want, await pace(want))) : want;
        yield whole.subarray(off, off + n);
        touch();
        off += n;
        sent += n;
        onSent?.(sent);
      }
    }
    // A short body would leave the server waiting for bytes that never come.
    if (sent !== b.length) throw new FerryError('internal', `streamed body ended after ${sent} of its declared ${b.length} bytes`);
  } catch (e) {
    failed.error = e;
    throw e;
  }
}

function cancelled(r: HttpRequest): FerryError {
  return new FerryError('cancelled', `${r.method} ${redactUrl(r.url)}: cancelled`, { method: r.method, url: redactUrl(r.url) });
}

const NET_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running?)',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted certificate chain',
  CERT_HAS_EXPIRED: 'certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
};

function networkError(r: HttpRequest, e: unknown): FerryError {
  const code = errCode(e);
  const words = (code && NET_WORDS[code]) ?? (e instanceof Error ? e.message : String(e));
  const tls = code !== undefined && /CERT|TLS/.test(code);
  // Certificate errors are never retried: an insecure server does not become secure by waiting.
  return new FerryError(tls ? 'rejected' : 'network', `${r.method} ${redactUrl(r.url)}: ${words}`, { method: r.method, url: redactUrl(r.url) }, { cause: e });
}

function errCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string' && c !== 'UND_ERR_ABORTED') return c;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
