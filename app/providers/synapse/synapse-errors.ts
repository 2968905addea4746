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
  return statusError(res, {
    ...call,
    ...(reason !== undefined ? { serverMessage: reason } : {}),
    ...(errorCode !== undefined ? { serverCode: errorCode } : {}),
    goneStatuses: o.uploadCall ? [404] : [],
    ...(code !== undefined ? { code } : {}),
  });
}
