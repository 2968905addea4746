// What the UCloud API (core2) expects before and around `files.createUpload`: the base URL a user
// types, paths that begin with a drive id, the meaning of its 402/403 answers, and how an upload
// socket's address (its query holds the token) may be printed. Sources are in
// README.md ("Facts and sources").
import { FerryError } from '../../common/errors.js';
import type { HttpResponse } from '../../engine/http.js';
import type { UploadJob } from '../../engine/provider.js';
import { statusError } from '../shared/http-status.js';
import type { CommonErrorMessage } from './wire.js';

/**
 * The server part of the account URL, without `/api`: `https://cloud.sdu.dk`, `…/`, `…/api` and
 * `…/api/` all name the same service, whose calls live under `/api/…`.
 */
export function apiBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api$/i, '');
}

/** The first path segment, when it is a drive id (UCloud paths are `/<drive id>/<folder>/<file>`). */
export function driveIdOf(remotePath: string): string | undefined {
  const first = remotePath.split('/').filter((s) => s !== '')[0];
  return first !== undefined && /^\d+$/.test(first) ? first : undefined;
}

/**
 * The UCloud path for a target. With the account's `drive` option every path lies inside that
 * drive; without it the path must begin with a drive id, and one that does not is refused before
 * anything is sent: UCloud itself would answer 403 "write permission is required", which tells
 * the user nothing about the path.
 */
export function ucloudPath(job: UploadJob, drive: string | undefined): string {
  const path = job.target.remotePath;
  const parts = path.split('/').filter((s) => s !== '');
  if (drive !== undefined) {
    if (!/^\d+$/.test(drive)) {
      throw new FerryError('bad-input', `UCloud option drive=${JSON.stringify(drive)} must be the numeric id of a drive, e.g. drive=123`, { file: job.file.path });
    }
    return `/${[drive, ...parts].join('/')}`;
  }
  if (path.startsWith('/') && driveIdOf(path) !== undefined && parts.length > 1) return path;
  throw new FerryError(
    'bad-input',
    `UCloud target path ${JSON.stringify(path)} must begin with the numeric id of a drive, e.g. "/123/${parts.join('/') || job.file.name}": ` +
      'UCloud addresses every file as /<drive id>/<folders>/<file>, and the drive id is the number UCloud shows for the drive (its address in the web app ends with it); ' +
      'or set the account option drive=<id> to upload into one drive',
    { file: job.file.path },
  );
}

export function serverWhy(res: HttpResponse): string | undefined {
  try {
    const w = res.json<Partial<CommonErrorMessage>>().why;
    return typeof w === 'string' && w !== '' ? w : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 403 texts of core2's authenticator (`core2/pkg/launcher/00_module.go`): an expired or bad token,
 * an expired or revoked API token ("forbidden"), a token without the user role ("Forbidden").
 * Anything else under 403 is about the target (a drive without write permission, a read-only one).
 */
const AUTH_403 = /^(token has expired|bad token supplied|invalid token supplied|forbidden)$/i;

/** A createUpload (or other API call) failure as a FerryError the engine can act on. */
export function apiError(res: HttpResponse, o: { url: string; doing: string; job: UploadJob; path: string }): FerryError {
  const why = serverWhy(res);
  const base = { method: 'POST', url: o.url, doing: o.doing, ...(why ? { serverMessage: why } : {}) };
  let err: FerryError;
  if (res.status === 403 && AUTH_403.test(why ?? 'forbidden')) {
    err = statusError(res, { ...base, code: 'auth', serverMessage: `${why ?? 'forbidden'} (sign in again or create a new API token)` });
  } else if (res.status === 402) {
    err = statusError(res, { ...base, code: 'quota', serverMessage: `${why ?? 'payment required'} (the drive's storage quota is used up)` });
  } else if (res.status === 403) {
    const drive = driveIdOf(o.path);
    err = statusError(res, { ...base, code: 'rejected', serverMessage: `${why} (drive ${drive}: check that the drive exists and that you may write to it)` });
  } else {
    err = statusError(res, base);
  }
  Object.assign(err.context, { file: o.job.file.path });
  return err;
}
