// Errors from the presigned storage PUT (S3 behind Synapse). S3 answers in XML:
// <Error><Code>AccessDenied</Code><Message>Request has expired</Message>...</Error>.
import type { FerryError } from '../../common/errors.js';
import type { HttpResponse } from '../../engine/http.js';
import { statusError } from '../shared/http-status.js';

export function s3ErrorOf(xml: string): { code?: string; message?: string } {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}

/** The URL's query string is its signature: statusError prints the URL without it. */
export function storageError(res: HttpResponse, url: string, partNumber: number, file: string): FerryError {
  const { code, message } = s3ErrorOf(res.text());
  const doing = res.status === 403
    ? `uploading part ${partNumber} of ${file} to storage (refused even with a freshly signed URL)`
    : `uploading part ${partNumber} of ${file} to storage`;
  return statusError(res, {
    method: 'PUT',
    url,
    doing,
    ...(code ? { serverCode: code } : {}),
    ...(message ? { serverMessage: message } : {}),
  });
}
