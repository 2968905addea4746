// The tus creation endpoint as a user might paste it. tusd serves its base path with and without
// the trailing slash (cmd/tusd/cli/serve.go registers both), @tus/server creates on a POST to its
// path, so the slash is the user's to choose; what is normalised is what no server means:
// surrounding spaces, a fragment, a run of trailing slashes. Credentials in the URL are refused:
// they would be logged with every error that names the endpoint.
import { FerryError } from '../../common/errors.js';

export function tusEndpoint(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new FerryError('bad-input', `the tus endpoint "${raw}" is not a URL; give the creation URL, e.g. https://tus.example.org/files/`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new FerryError('bad-input', `the tus endpoint "${raw}" must be an http(s) URL, not ${u.protocol}`);
  if (u.username !== '' || u.password !== '') throw new FerryError('bad-input', `the tus endpoint for ${u.host} carries a user name or password; pass the token instead`);
  u.hash = '';
  u.pathname = u.pathname.replace(/\/{2,}$/, '/');
  return u.href;
}
