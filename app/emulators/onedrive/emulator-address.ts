// Which drive a Graph request addresses: `/me/drive`, `/drives/{id}` or `/sites/{id}/drive`, all
// on the emulator's one drive. Bad addresses get the answers Graph gives (README: "Drive addressing").
import type { ResolvedOnedriveOptions } from './emulator-options.js';
import { GraphReply } from './emulator-reply.js';

/** `/v1.0` + drive root + the rest (`/root:/a/b.bin:/createUploadSession`, `/items/{id}:/…`). */
const ADDRESS = /^\/v1\.0\/(?:(me)\/drive|drives\/([^/]+)|sites\/([^/]+)\/drive)(\/.*)?$/;
/** Drive ids Graph hands out: `b!` + base64url for Business/SharePoint, hex for Personal. */
const DRIVE_ID = /^[A-Za-z0-9!_-]+$/;
/** A site id: `{hostname},{site collection guid},{web guid}`. */
const SITE_ID = /^[A-Za-z0-9.-]+,[0-9a-fA-F-]{36},[0-9a-fA-F-]{36}$/;

export interface Addressed {
  /** The request path below the drive root, e.g. `/root:/a.bin:/content`. */
  rest: string;
}

/** Resolves the drive part of `path`, or throws the Graph error for it. Undefined: not a drive path. */
export function addressDrive(path: string, od: ResolvedOnedriveOptions): Addressed | undefined {
  const m = ADDRESS.exec(path);
  if (!m) return undefined;
  const [, me, driveId, siteId, rest] = m;
  if (me !== undefined && od.appOnly) {
    // What Graph answers an app-only (client credentials) token on any /me path.
    throw new GraphReply(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
  }
  if (driveId !== undefined) {
    const id = safeDecode(driveId);
    if (!DRIVE_ID.test(id)) throw new GraphReply(400, 'invalidRequest', 'The provided drive id appears to be malformed, or does not represent a valid drive.');
    if (id !== od.driveId) throw new GraphReply(404, 'itemNotFound', `no drive has the id ${id}`);
  }
  if (siteId !== undefined) {
    const id = safeDecode(siteId);
    if (!SITE_ID.test(id)) throw new GraphReply(400, 'invalidRequest', `Invalid hostname for this tenancy or malformed site id: ${id}`);
    if (id !== od.siteId) throw new GraphReply(404, 'itemNotFound', 'Requested site could not be found');
  }
  return { rest: rest ?? '' };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new GraphReply(400, 'invalidRequest', `the id ${JSON.stringify(s)} is not validly percent-encoded`);
  }
}
