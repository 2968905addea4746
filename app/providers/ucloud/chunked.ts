// The CHUNKED protocol (seed document `ucloud-uploadChunk.txt`): raw-body POSTs with token,
// offset and total size in headers. It cannot report what the server holds, so the engine
// re-sends the whole chunk at its journal offset; the offset header is always the chunk's start
// (never -1, which would duplicate bytes on a retry). The last chunk commits the file.
import type { StreamBody } from '../../engine/http.js';
import type { ProviderFactoryOptions, UploadJob } from '../../engine/provider.js';
import { statusError } from '../shared/http-status.js';
import { serverWhy } from './api.js';
import { HEADER_OFFSET, HEADER_TOKEN, HEADER_TOTAL_SIZE, RETRIEVE_PATH, type UFileLite } from './wire.js';

/** What the journal keeps for a CHUNKED session. The token is a capability: never print it. */
export interface ChunkedRef {
  endpoint: string;
  token: string;
  /**
   * The server's clock (the `Date` of its createUpload answer) when the session was created, to
   * recognise the file its last chunk committed by the server-stamped `modifiedAt`: server time
   * against server time, never against this computer's clock, which may be hours or days off.
   */
  serverStartedAt?: number;
}

export function chunkedCalls(o: ProviderFactoryOptions, base: string) {
  /** One CHUNKED POST, held or streamed from the file; its length is declared exactly by the transport. */
  const post = async (ref: ChunkedRef, job: UploadJob, offset: number, data: Buffer | StreamBody, signal: AbortSignal, onSent?: (n: number) => void): Promise<void> => {
    const doing = `uploading bytes ${offset}-${offset + data.length} of ${job.file.name} to UCloud`;
    const res = await o.http.request({
      method: 'POST',
      url: ref.endpoint,
      headers: {
        [HEADER_TOKEN]: ref.token,
        [HEADER_OFFSET]: String(offset),
        [HEADER_TOTAL_SIZE]: String(job.file.size),
        'content-type': 'application/octet-stream',
      },
      body: data,
      signal,
      ...(onSent ? { onSent } : {}),
    });
    if (res.status >= 200 && res.status < 300) return;
    const message = serverWhy(res);
    const opts = { method: 'POST', url: ref.endpoint, doing, ...(message ? { serverMessage: message } : {}), goneStatuses: [404] };
    // A 409 on a chunk is a name conflict only when it commits the file (REJECT policy);
    // otherwise the server is still busy with an earlier attempt of ours: retry later.
    const conflict = res.status === 409 && offset + data.length >= job.file.size && !/one at a time|already being uploaded/i.test(message ?? '');
    const err = statusError(res, res.status === 409 && !conflict ? { ...opts, code: 'server-error' } : opts);
    Object.assign(err.context, { file: job.file.path, offset });
    throw err;
  };

  /**
   * The last chunk commits the file and retires the token, so when its answer is lost (a crash,
   * a reset) the resend gets 404. Before starting over, ask `files.retrieve` whether a file of
   * exactly this size was written at the target since the session began: then the upload is done.
   */
  const committedEarlier = async (ref: ChunkedRef, job: UploadJob, path: string, signal: AbortSignal): Promise<boolean> => {
    if (ref.serverStartedAt === undefined) return false;
    const url = `${base}${RETRIEVE_PATH}?id=${encodeURIComponent(path)}`;
    const res = await o.http.request({ method: 'GET', url, headers: { authorization: `Bearer ${o.endpoint.token}`, accept: 'application/json' }, signal });
    if (res.status !== 200) return false;
    try {
      const f = res.json<Partial<UFileLite>>();
      // `Date` has whole seconds; modifiedAt has milliseconds.
      return f.status?.sizeInBytes === job.file.size && (f.status.modifiedAt ?? 0) >= ref.serverStartedAt - 1_000;
    } catch {
      return false;
    }
  };

  return { post, committedEarlier };
}
