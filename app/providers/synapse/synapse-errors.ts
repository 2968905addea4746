// Synapse error answers → FerryErrors. Every Synapse error body is `{"reason": ...}`; the reason
// goes into the message so the user reads the server's own words.
import type { FerryError, FerryErrorCode } from '../../common/errors.js';
import type { HttpResponse } from '../../engine/http.js';
import { statusError } from '../shared/http-status.js';
import type { ErrorResponse } from './wire.js';

export interface SynapseCall {
  method: string;
  url: string;
  /** What we were doing, for the message: "starting the multipart upload of a.bin". */
  doing: string;
}

export function reasonOf(res: HttpResponse): { reason?: string; errorCode?: string } {
  try {
    const b = res.json<Partial<ErrorResponse>>();
    return {
      ...(typeof b.reason === 'string' ? { reason: b.reason } : {}),
      ...(typeof b.errorCode === 'string' ? { errorCode: b.errorCode } : {}),
    };
  } catch {
    const text = res.text().trim();
    return text && text.length < 300 ? { reason: text } : {};
  }
}

/**
 * 401 is a bad or expired token. Synapse answers an anonymous caller with 403
 * (UnauthorizedException "Anonymous cannot ..."), which is an auth problem too; any other 403
 * (not the user who started the upload, no permission on the folder) is final.
 * 404 on an upload id means the server cleared it (30-day cleanup): the session is gone.
 */
export function synapseError(res: HttpResponse, call: SynapseCall, o: { uploadCall?: boolean; code?: FerryErrorCode } = {}): FerryError {
  const { reason, errorCode } = reasonOf(res);
  let code = o.code;
  if (code === undefined && res.status === 403 && reason !== undefined && /anonymous/i.test(reason)) code = 'auth';
  if (code === undefined && isStorageLimit(res.status, reason)) code = 'quota';
  return statusError(res, {
    ...call,
    ...(reason !== undefined ? { serverMessage: reason } : {}),
    ...(errorCode !== undefined ? { serverCode: errorCode } : {}),
    goneStatuses: o.uploadCall ? [404] : [],
    ...(code !== undefined ? { code } : {}),
  });
}

/**
 * A full project or storage location. Synapse's answer to an upload over a project's storage
 * limit is not in its public source [U]; what is known is the limit's vocabulary (ProjectStorageUsage:
 * sumFileBytes, maxAllowedFileBytes, isOverLimit) and HTTP's own 507. Any refusal whose reason
 * speaks of a storage limit or quota is a quota error, whatever its status.
 */
export function isStorageLimit(status: number, reason: string | undefined): boolean {
  if (status === 507) return true;
  if (status < 400 || status >= 500 || reason === undefined) return false;
  return /storage (?:limit|quota)|quota|over ?limit|(?:exceed|reached)\w* .*(?:storage|limit)/i.test(reason);
}
