// Reading Redivis and GCS answers in the client: a session PUT's 308/200 into a ServerState,
// an error answer into a FerryError with the right code and a message naming file and cause.
import { FerryError } from '../../common/errors.js';
import type { HttpResponse } from '../../engine/http.js';
import type { RemoteFile, ServerState } from '../../engine/provider.js';
import { redactUrl, statusError } from '../shared/http-status.js';
import { heldFromRange, parseGoogHash, type GcsObject } from './wire.js';

export interface Call {
  method: string;
  url: string;
  /** What we were doing, naming the file: "uploading bytes 0-262143 of a.csv". */
  doing: string;
  file?: string;
}

/** Session statuses meaning "this session no longer exists; start a new one from byte 0". */
const SESSION_GONE = [404, 410];

/**
 * The server's own words from a Redivis body (`{error, error_description, status}`, redivis-python
 * `common/util.py raise_api_error`), a GCS JSON body (`{error: {message, errors: [{reason}]}}`), a
 * GCS XML body (`<Error><Code/><Message/></Error>`, what sessions started through the XML API
 * answer), or a plain text body.
 */
export function serverWords(res: HttpResponse): { code?: string; message?: string } {
  const text = res.text().trim();
  if (text === '') return {};
  if (text.startsWith('<')) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]?.trim();
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.trim();
    return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
  }
  try {
    const b = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof b.error === 'string') return { code: b.error, ...(typeof b.error_description === 'string' ? { message: b.error_description } : {}) };
    if (b.error && typeof b.error === 'object') {
      const e = b.error as { message?: unknown; errors?: { reason?: unknown }[] };
      const reason = Array.isArray(e.errors) ? e.errors[0]?.reason : undefined;
      return { ...(typeof reason === 'string' ? { code: reason } : {}), ...(typeof e.message === 'string' ? { message: e.message } : {}) };
    }
    return {};
  } catch {
    return { message: text.slice(0, 300) };
  }
}

/**
 * A refusal that names a storage quota. Neither Redivis nor GCS documents a status for "out of
 * storage" (docs.redivis.com/api/rest-api/general-structure lists 400/401/403/404/429/500), so the
 * server's own code or words decide; 429 stays a rate limit (Redivis: "Rate limit exceeded").
 */
function isQuota(status: number, w: { code?: string; message?: string }): boolean {
  if (status === 507) return true;
  if (![400, 403, 413].includes(status)) return false;
  return /quota|storage[ _-]?limit|insufficient[ _-]?storage|exceeds? (the |your )?(storage|limit)/i.test(`${w.code ?? ''} ${w.message ?? ''}`);
}

export function failure(res: HttpResponse, c: Call, o: { sessionUrl?: boolean } = {}): FerryError {
  const w = serverWords(res);
  const e = statusError(res, {
    method: c.method, url: c.url, doing: c.doing,
    ...(w.code ? { serverCode: w.code } : {}), ...(w.message ? { serverMessage: w.message } : {}),
    ...(o.sessionUrl ? { goneStatuses: SESSION_GONE } : {}),
    ...(isQuota(res.status, w) ? { code: 'quota' as const } : {}),
    // A token without the needed scope (`data.edit`): PY and R refresh credentials on exactly this.
    ...(res.status === 403 && w.code === 'insufficient_scope' ? { code: 'auth' as const } : {}),
  });
  return c.file ? new FerryError(e.code, e.message, { ...e.context, file: c.file }) : e;
}

/** What a completed session told us about the stored object (either from its JSON or its headers). */
export interface Stored {
  size?: number;
  /** Hex MD5. */
  md5?: string;
  /** CRC32C as 8 hex digits of the big-endian value (GCS sends base64 of those 4 bytes). */
  crc32c?: string;
}

/**
 * A session PUT's answer (chunk or status query) as what the server holds. Any 2xx that is not a
 * 308 stand-in means complete: JSON-API sessions send the object resource, XML-API sessions (the
 * current Redivis flow's signed-URL initiation) send no JSON at all, and Redivis's own page says
 * "an empty body with a status of 200". Digests then come from `x-goog-hash` when present.
 */
export function sessionState(res: HttpResponse, c: Call, toRemote: (s: Stored) => RemoteFile): ServerState {
  // Clients that ask for no 308 get 200 + this override; we never ask, but a proxy might have.
  const incomplete = res.status === 308 || (res.status >= 200 && res.status < 300 && res.headers['x-http-status-code-override'] === '308');
  if (incomplete) {
    const held = heldFromRange(res.headers['range']);
    if (held === undefined) {
      throw new FerryError('protocol', `${c.doing}: the server's Range header "${res.headers['range']}" is not of the form bytes=0-N`, { method: c.method, url: redactUrl(c.url), status: res.status });
    }
    return { kind: 'offset', offset: held };
  }
  if (res.status >= 200 && res.status < 300) return { kind: 'complete', result: toRemote(storedFrom(res)) };
  throw failure(res, c, { sessionUrl: true });
}

function storedFrom(res: HttpResponse): Stored {
  let obj: Partial<GcsObject> | undefined;
  try {
    const j = res.body.length > 0 ? (JSON.parse(res.text()) as unknown) : undefined;
    if (j && typeof j === 'object' && !Array.isArray(j)) obj = j as Partial<GcsObject>;
  } catch {
    // Not JSON: an XML-API session's answer; the headers carry what there is.
  }
  const goog = parseGoogHash(res.headers['x-goog-hash']);
  const md5 = md5Hex(obj?.md5Hash) ?? md5Hex(goog.md5);
  const crc32c = crc32cHex(obj?.crc32c) ?? crc32cHex(goog.crc32c);
  const sizeText = typeof obj?.size === 'string' ? obj.size : res.headers['x-goog-stored-content-length'];
  const size = sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined;
  return { ...(size !== undefined ? { size } : {}), ...(md5 ? { md5 } : {}), ...(crc32c ? { crc32c } : {}) };
}

/** GCS reports CRC32C as base64 of the big-endian 32-bit value; the engine's crc32c is that value in hex. */
export function crc32cHex(base64: string | undefined): string | undefined {
  if (!base64) return undefined;
  const b = Buffer.from(base64, 'base64');
  return b.length === 4 ? b.toString('hex') : undefined;
}

/** GCS reports MD5 as base64; Ferry compares hex. */
export function md5Hex(base64: string | undefined): string | undefined {
  if (!base64) return undefined;
  const b = Buffer.from(base64, 'base64');
  return b.length === 16 ? b.toString('hex') : undefined;
}
