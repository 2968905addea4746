// The Redivis API base from whatever a user pasted: `https://redivis.com`, with or without a
// trailing slash, `/api`, `/api/v1`, spaces, a query or a fragment, all mean the API at
// `{origin}{prefix}/api/v1` (the official clients' default `https://redivis.com/api/v1`,
// redivis-python `src/redivis/common/api_request.py`). A path prefix other than the API path
// (a proxy, an emulator) is kept.
import { FerryError } from '../../common/errors.js';

export function redivisApiBase(raw: string): string {
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw badBase(raw, 'it is not an absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badBase(raw, `${u.protocol} is not http or https`);
  const path = u.pathname.replace(/\/+$/, '').replace(/\/api(?:\/v1)?$/, '');
  return `${u.origin}${path}/api/v1`;
}

function badBase(raw: string, why: string): FerryError {
  return new FerryError('bad-input', `Redivis: the endpoint URL "${raw.trim()}" cannot be used (${why}); use https://redivis.com or https://redivis.com/api/v1`);
}
