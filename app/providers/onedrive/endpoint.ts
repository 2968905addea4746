// Where a OneDrive target lives: the Graph base with its version, and the drive every item path
// hangs off. A drive is `/me/drive` (the signed-in user's), `/drives/{id}` or `/sites/{id}/drive`
// (SharePoint and Teams libraries). App-only tokens cannot use `/me` (Graph answers 400
// "/me request is only valid with delegated authentication flow."), so the drive is a choice:
// the `drive` option, or the endpoint URL a user pasted, which may already name it.
import { FerryError } from '../../common/errors.js';

export interface GraphTarget {
  /** `https://graph.microsoft.com/v1.0` (or `/beta`), no trailing slash. */
  api: string;
  /** `/me/drive`, `/drives/{id}` or `/sites/{id}/drive`. */
  drive: string;
}

const VERSIONS = new Set(['v1.0', 'beta']);
/** Drive and site ids as Graph hands them out: `b!…` drive ids, hex personal ids, `host,guid,guid` site ids. */
const ID = /^[A-Za-z0-9!,._~-]+$/;
const SPELLINGS = '`https://graph.microsoft.com[/v1.0]`, optionally followed by `/me/drive`, `/drives/{id}` or `/sites/{id}/drive`';

/**
 * Reads the endpoint URL and the `drive` option (`me`, `drives/{id}` or `sites/{id}`). Both may
 * name the drive only when they agree. Every spelling a user might paste is accepted: a bare host,
 * with or without `/v1.0`, with or without a trailing slash, with or without the drive.
 */
export function graphTarget(endpointUrl: string, driveOption?: string): GraphTarget {
  let u: URL;
  try {
    u = new URL(endpointUrl.trim());
  } catch {
    throw bad(`the OneDrive endpoint "${endpointUrl}" is not a URL; use ${SPELLINGS}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad(`the OneDrive endpoint "${endpointUrl}" must be an http(s) URL, not ${u.protocol}`);
  if (u.search !== '' || u.username !== '' || u.password !== '') throw bad(`the OneDrive endpoint "${u.origin}${u.pathname}" must carry no query or credentials; use ${SPELLINGS}`);
  const segs = u.pathname.split('/').filter((s) => s !== '');
  const at = segs.findIndex((s) => VERSIONS.has(s));
  // Without a version, everything before the drive address is a prefix (a proxy path, say).
  const driveAt = at >= 0 ? at + 1 : firstDriveSegment(segs);
  const prefix = segs.slice(0, at >= 0 ? at : driveAt);
  const version = at >= 0 ? segs[at]! : 'v1.0';
  const api = `${u.origin}${prefix.map((s) => `/${s}`).join('')}/${version}`;
  const fromUrl = driveFromSegments(segs.slice(driveAt), endpointUrl);
  const fromOption = driveOption === undefined || driveOption.trim() === '' ? undefined : driveFromOption(driveOption);
  if (fromUrl && fromOption && fromUrl !== fromOption) {
    throw bad(`the OneDrive endpoint names the drive ${fromUrl} but the drive option says ${fromOption}; give one, or make them agree`);
  }
  return { api, drive: fromOption ?? fromUrl ?? '/me/drive' };
}

function firstDriveSegment(segs: string[]): number {
  const i = segs.findIndex((s) => s === 'me' || s === 'drives' || s === 'sites');
  return i < 0 ? segs.length : i;
}

function driveFromSegments(rest: string[], endpointUrl: string): string | undefined {
  if (rest.length === 0) return undefined;
  const [kind, id, tail, ...more] = rest;
  if (kind === 'me' && id === 'drive' && tail === undefined) return '/me/drive';
  if (kind === 'drives' && id !== undefined && tail === undefined) return `/drives/${checkId(id, 'drive')}`;
  if (kind === 'sites' && id !== undefined && (tail === undefined || (tail === 'drive' && more.length === 0))) return `/sites/${checkId(id, 'site')}/drive`;
  throw bad(`the OneDrive endpoint "${endpointUrl}" has a path Ferry does not understand ("/${rest.join('/')}"); use ${SPELLINGS}, and put folders in the remote path`);
}

function driveFromOption(v: string): string {
  const segs = v.trim().split('/').filter((s) => s !== '');
  const [kind, id, tail, ...more] = segs;
  if (kind === 'me' && (id === undefined || (id === 'drive' && tail === undefined))) return '/me/drive';
  if (kind === 'drives' && id !== undefined && tail === undefined) return `/drives/${checkId(id, 'drive')}`;
  if (kind === 'sites' && id !== undefined && (tail === undefined || (tail === 'drive' && more.length === 0))) return `/sites/${checkId(id, 'site')}/drive`;
  throw bad(`the OneDrive drive option "${v}" must be "me", "drives/{drive id}" or "sites/{site id}"`);
}

function checkId(id: string, what: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    throw bad(`the OneDrive ${what} id "${id}" is not validly percent-encoded`);
  }
  if (!ID.test(decoded) || decoded === '.' || decoded === '..') throw bad(`the OneDrive ${what} id "${decoded}" is not one Graph hands out (letters, digits and ! , . _ ~ - only)`);
  return decoded;
}

function bad(message: string): FerryError {
  return new FerryError('bad-input', message);
}
