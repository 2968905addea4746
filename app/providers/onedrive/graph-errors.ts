// Graph answers → FerryErrors. Every Graph error body is `{"error":{"code","message","innerError"}}`;
// its codes and message go into the FerryError so the user sees what the server said.
import { FerryError, type FerryErrorCode } from '../../common/errors.js';
import type { HttpResponse } from '../../engine/http.js';
import { jsonBody, redactUrl, statusError } from '../shared/http-status.js';
import type { DriveItemJson, GraphErrorJson, UploadSessionJson } from './wire.js';
import type { RemoteFile } from '../../engine/provider.js';

export interface CallInfo {
  method: string;
  url: string;
  /** What we were doing, naming the file: `uploading bytes 0-327679 of "/a/b.bin"`. */
  doing: string;
}

export interface GraphErrorOptions {
  /** Statuses that mean the upload session is gone (upload URL calls: 401, 403, 404). */
  goneStatuses?: number[];
  code?: FerryErrorCode;
}

export function graphError(res: HttpResponse, call: CallInfo, o: GraphErrorOptions = {}): FerryError {
  let code: string | undefined;
  let inner: string | undefined;
  let message: string | undefined;
  try {
    const e = (res.json<Partial<GraphErrorJson>>()).error;
    code = typeof e?.code === 'string' ? e.code : undefined;
    inner = typeof e?.innerError?.code === 'string' ? e.innerError.code : undefined;
    message = typeof e?.message === 'string' ? e.message : undefined;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone speaks.
  }
  const serverCode = code && inner && inner !== code ? `${code}/${inner}` : code ?? inner;
  return statusError(res, {
    ...call,
    ...(serverCode ? { serverCode } : {}),
    ...(message ? { serverMessage: message } : {}),
    ...(o.goneStatuses ? { goneStatuses: o.goneStatuses } : {}),
    ...(o.code ? { code: o.code } : {}),
  });
}

export function sessionJson(res: HttpResponse, call: CallInfo): UploadSessionJson {
  const j = jsonBody<Partial<UploadSessionJson>>(res, call);
  if (!j || typeof j !== 'object') throw protocol(call, res.status, 'the answer is not a JSON object');
  return { ...j, expirationDateTime: j.expirationDateTime ?? '', nextExpectedRanges: j.nextExpectedRanges ?? [] } as UploadSessionJson;
}

/** A finished upload's driveItem as the engine sees it; the path comes from `parentReference.path` and `name`. */
export function remoteFile(res: HttpResponse, call: CallInfo, fallbackPath: string): RemoteFile {
  const item = jsonBody<Partial<DriveItemJson>>(res, call);
  if (!item || typeof item !== 'object' || typeof item.id !== 'string') throw protocol(call, res.status, 'the answer carries no driveItem id');
  const parent = item.parentReference?.path;
  const rootAt = parent?.indexOf('root:') ?? -1;
  const folder = parent !== undefined && rootAt >= 0 ? decodeURIComponent(parent.slice(rootAt + 5)) : undefined;
  // The server names the file (a rename on conflict); its folder must be the one asked for (fault
  // row 37): OneDrive folder names are case-insensitive, so they are compared so.
  const asked = fallbackPath.slice(0, fallbackPath.lastIndexOf('/'));
  const same = folder !== undefined && folder.normalize('NFC').toLowerCase() === asked.normalize('NFC').toLowerCase();
  const path = same && typeof item.name === 'string' ? `${folder}/${item.name}` : fallbackPath;
  const qx = item.file?.hashes?.quickXorHash;
  return {
    path,
    id: item.id,
    ...(typeof item.size === 'number' ? { size: item.size } : {}),
    ...(typeof qx === 'string' ? { hash: { algorithm: 'quickxor' as const, value: qx } } : {}),
  };
}

export function protocol(call: CallInfo, status: number, why: string): FerryError {
  return new FerryError('protocol', `${call.doing}: ${why} (HTTP ${status})`, { method: call.method, url: redactUrl(call.url), status });
}
