// The two bases the Box client needs. Box serves API calls from https://api.box.com/2.0/… and
// uploads from https://upload.box.com/api/2.0/… (developer.box.com guides/uploads, "Upload
// domain"; the official SDK's defaults in box-typescript-sdk-gen src/networking/baseUrls.generated.ts).
// Users paste the API base in several spellings; every one ends up without the version segment.
import { FerryError } from '../../common/errors.js';

export interface BoxBaseUrls {
  /** e.g. https://api.box.com: calls go to `${apiBase}/2.0/…` */
  apiBase: string;
  /** e.g. https://upload.box.com/api: uploads go to `${uploadBase}/2.0/…` */
  uploadBase: string;
}

const BOX_API_HOST = 'api.box.com';
const BOX_UPLOAD_BASE = 'https://upload.box.com/api';

/** Trailing slashes and one trailing `/2.0` (the version every Box path starts with) removed. */
function base(raw: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new FerryError('bad-input', `Box ${what} '${raw}' is not a URL (expected something like https://api.box.com)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new FerryError('bad-input', `Box ${what} '${raw}' must be an http(s) URL`);
  if (u.username || u.password) throw new FerryError('bad-input', `Box ${what} must not carry a user name or password; the token is given separately`);
  if (u.search || u.hash) throw new FerryError('bad-input', `Box ${what} '${u.origin}${u.pathname}' must not have a query or fragment`);
  u.pathname = u.pathname.replace(/\/+$/, '').replace(/\/2\.0$/, '').replace(/\/+$/, '');
  return u;
}

const text = (u: URL): string => `${u.origin}${u.pathname === '/' ? '' : u.pathname}`;

/**
 * The API base from the endpoint URL, and the upload base: the `uploadUrl` option when given,
 * else upload.box.com/api for api.box.com. Any other host (an emulator, a proxy) must say where
 * its uploads go, since guessing meets 404s at the first upload.
 */
export function boxBaseUrls(endpointUrl: string, uploadUrl?: string): BoxBaseUrls {
  const api = base(endpointUrl, 'API URL');
  if (uploadUrl !== undefined && uploadUrl.trim() !== '') return { apiBase: text(api), uploadBase: text(base(uploadUrl, 'option uploadUrl')) };
  if (api.hostname === BOX_API_HOST && api.pathname.replace(/\/+$/, '') === '') return { apiBase: text(api), uploadBase: BOX_UPLOAD_BASE };
  throw new FerryError('bad-input', `Box option uploadUrl is needed for the API URL ${text(api)}: only ${BOX_API_HOST} implies its upload service (${BOX_UPLOAD_BASE}); set option uploadUrl to the upload base (for \`ferry emulate box\`, the uploadUrl it prints under options)`);
}
