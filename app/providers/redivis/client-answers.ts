// Reading Redivis and GCS answers in the client: a session PUT's 308/200 into a ServerState,
// an error answer into a FerryError with the right code and a message naming file and cause.
import { FerryError } from '../../common/errors.js';
import type { HttpResponse } from '../../engine/http.js';
import type { RemoteFile, ServerState } from '../../engine/provider.js';
import { jsonBody, redactUrl, statusError } from '../shared/http-status.js';
import { heldFromRange, type GcsObject } from './wire.js';

export interface Call {
  method: string;
  url: string;
  /** What we were doing, naming the file: "uploading bytes 0-262143 of a.csv". */
  doing: string;
  file?: string;
}

/** Session statuses meaning "this session no longer exists; start a new one from byte 0". */
const SESSION_GONE = [404, 410];

/** The server's own words from a Redivis (`error_description`) or GCS (`error.message`) error body, or a plain text body. */
export function serverWords(res: HttpResponse): { code?: string; message?: string } {
  const text = res.text().trim();
  if (text === '') return {};
  try {
    const b = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof b.error === 'string') return { code: b.error, ...(typeof b.error_description === 'string' ? { message: b.error_description } : {}) };
    if (b.error && typeof b.error === 'object') {
      const m = (b.error as { message?: unknown }).message;
      return typeof m === 'string' ? { message: m } : {};
    }
    return {};
  } catch {
    return { message: text.slice(0, 300) };
  }
}

export function failure(res: HttpResponse, c: Call, o: { sessionUrl?: boolean } = {}): FerryError {
  const w = serverWords(res);
  const e = statusError(res, {
    method: c.method, url: c.url, doing: c.doing,
    ...(w.code ? { serverCode: w.code } : {}), ...(w.message ? { serverMessage: w.message } : {}),
    ...(o.sessionUrl ? { goneStatuses: SESSION_GONE } : {}),
  });
  return c.file ? new FerryError(e.code, e.message, { ...e.context, file: c.file }) : e;
}

/** A session PUT's answer (chunk or status query) as what the server holds. */
export function sessionState(res: HttpResponse, c: Call, toRemote: (o: GcsObject) => RemoteFile): ServerState {
  // Clients that ask for no 308 get 200 + this override; we never ask, but a proxy might have.
  const incomplete = res.status === 308 || (res.status >= 200 && res.status < 300 && res.headers['x-http-status-code-override'] === '308');
  if (incomplete) {
    const held = heldFromRange(res.headers['range']);
    if (held === undefined) {
      throw new FerryError('protocol', `${c.doing}: the server's Range header "${res.headers['range']}" is not of the form bytes=0-N`, { method: c.method, url: redactUrl(c.url), status: res.status });
    }
    return { kind: 'offset', offset: held };
  }
  if (res.status === 200 || res.status === 201) {
    const obj = jsonBody<GcsObject>(res, c);
    if (!obj || typeof obj.size !== 'string') {
      throw new FerryError('protocol', `${c.doing}: the server said the upload is complete but sent no object resource`, { method: c.method, url: redactUrl(c.url), status: res.status });
    }
    return { kind: 'complete', result: toRemote(obj) };
  }
  throw failure(res, c, { sessionUrl: true });
}

/** GCS reports MD5 as base64; Ferry compares hex. */
export function md5Hex(base64: string | undefined): string | undefined {
  if (!base64) return undefined;
  const b = Buffer.from(base64, 'base64');
  return b.length === 16 ? b.toString('hex') : undefined;
}
