// GCS-style answers shared by the session routes: the JSON-API error body and the 308/200 pair.
import type { ServerResponse } from 'node:http';
import { sendEmpty, sendJson } from '../kit/http-io.js';
import type { GcsSession } from './gcs-sessions.js';
import type { GcsErrorBody } from '../../providers/redivis/wire.js';

export function gcsError(res: ServerResponse, status: number, message: string, reason = 'invalid'): void {
  const body: GcsErrorBody = { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } };
  sendJson(res, status, body);
}

/**
 * An error on a session: JSON-API sessions answer the JSON body above; XML-API sessions answer
 * GCS's XML error body `<Error><Code/><Message/></Error>` (GCS-xml-status in the README). The code
 * names are [U]: the XML reference lists names but not which one each session error uses.
 */
export function sessionError(res: ServerResponse, s: Pick<GcsSession, 'api'>, status: number, message: string, reason = 'invalid'): void {
  if (s.api !== 'xml') return gcsError(res, status, message, reason);
  const code = status === 404 || status === 410 ? 'NoSuchUpload' : status === 405 ? 'MethodNotAllowed' : 'InvalidArgument';
  const esc = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${esc}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * "Resume incomplete": 308 with `Range: bytes=0-N`, and no Range at all when nothing is held.
 * Clients that send `X-GUploader-No-308: yes` get 200 + `X-Http-Status-Code-Override: 308`.
 */
export function sendIncomplete(res: ServerResponse, held: number, no308: boolean): void {
  const headers: Record<string, string> = held > 0 ? { range: `bytes=0-${held - 1}` } : {};
  if (no308) sendEmpty(res, 200, { ...headers, 'x-http-status-code-override': '308' });
  else sendEmpty(res, 308, headers);
}

/**
 * The answer once every byte is held. A JSON-API session sends the object resource; an XML-API
 * session sends 200 with no body and the object's digests in `x-goog-hash` (GCS XML API response
 * headers: `x-goog-hash`, `x-goog-generation`, `x-goog-stored-content-length`).
 */
export function sendObject(res: ServerResponse, s: GcsSession, o: { xmlFinalAnswer: 'empty' | 'object'; googHash: boolean }): void {
  if (s.api !== 'xml' || o.xmlFinalAnswer === 'object' || !s.object) return sendJson(res, 200, s.object);
  const ob = s.object;
  const hashes = [ob.crc32c ? `crc32c=${ob.crc32c}` : '', ob.md5Hash ? `md5=${ob.md5Hash}` : ''].filter((h) => h !== '').join(',');
  sendEmpty(res, 200, {
    'x-goog-generation': ob.generation, 'x-goog-stored-content-length': ob.size, etag: `"${ob.etag}"`,
    ...(o.googHash && hashes !== '' ? { 'x-goog-hash': hashes } : {}),
  });
}

/** Session URI of a session on this server; the `upload_id` query parameter is the capability. */
export function sessionUrl(base: string, s: Pick<GcsSession, 'bucket' | 'objectName' | 'id'>): string {
  const q = new URLSearchParams({ uploadType: 'resumable', name: s.objectName, upload_id: s.id });
  return `${base}/upload/storage/v1/b/${encodeURIComponent(s.bucket)}/o?${q.toString()}`;
}
