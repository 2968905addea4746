// GET /2.0/folders/{id}/items, both ways Box pages it (developer.box.com guides/api-calls/pagination):
// offset paging (refused past `maxItemsOffset`, 10,000 on the real API) and marker paging
// (`usemarker=true`, `marker` = the previous page's `next_marker`, null on the last page).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../kit/http-io.js';
import { type BoxEmuContext, reportedSha1 } from './emulator-context.js';
import { BoxHttpError, intParam, query } from './emulator-reply.js';
import type { TreeFile, TreeFolder } from './emulator-tree.js';
import type { BoxMiniItem } from '../../providers/box/wire.js';

type Item = TreeFolder | TreeFile;

export async function listItems(c: BoxEmuContext, req: IncomingMessage, res: ServerResponse, folderId: string): Promise<void> {
  const { tree, o } = c;
  if (!tree.folder(folderId)) throw new BoxHttpError(404, 'not_found', `Could not find the specified resource: folder ${folderId}`);
  const q = query(req);
  const limit = Math.min(Math.max(1, intParam(q, 'limit', Math.min(100, o.maxPageLimit))), o.maxPageLimit);
  const all = tree.children(folderId);
  const mini = async (items: Item[]): Promise<BoxMiniItem[]> => {
    const out = [];
    for (const item of items) out.push(tree.isFile(item) ? { ...tree.mini(item), sha1: await reportedSha1(c, item) } : tree.mini(item));
    return out;
  };
  if (q.get('usemarker') === 'true') {
    const marker = q.get('marker');
    const start = marker ? firstAfter(all, readMarker(marker), (i) => tree.isFile(i)) : 0;
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    // Marker answers carry no total_count, offset or order (BOX-OAS `Items`).
    sendJson(res, 200, { entries: await mini(page), limit, next_marker: more ? markerOf(page.at(-1)!, tree.isFile(page.at(-1)!)) : null });
    return;
  }
  const offset = intParam(q, 'offset', 0);
  // The status is documented; the error code is not [U].
  if (offset > o.maxItemsOffset) throw new BoxHttpError(400, 'bad_request', `Invalid value '${offset}' for query parameter 'offset': offsets above ${o.maxItemsOffset} are not supported, use marker-based paging`);
  sendJson(res, 200, {
    total_count: all.length, entries: await mini(all.slice(offset, offset + limit)), offset, limit,
    order: [{ by: 'type', direction: 'ASC' }, { by: 'name', direction: 'ASC' }],
  });
}

/** Markers are opaque to clients; this one names the last item returned, so inserts do not shift pages. */
function markerOf(item: Item, isFile: boolean): string {
  return Buffer.from(JSON.stringify([isFile ? 1 : 0, item.name])).toString('base64url');
}

function readMarker(marker: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && (v[0] === 0 || v[0] === 1) && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // falls through to the 400
  }
  throw new BoxHttpError(400, 'bad_request', `Invalid value '${marker}' for query parameter 'marker'`);
}

/** Index of the first item sorted after the marker (folders first, then by name, as `children` sorts). */
function firstAfter(all: Item[], [rank, name]: [number, string], isFile: (i: Item) => boolean): number {
  const i = all.findIndex((item) => {
    const r = isFile(item) ? 1 : 0;
    return r > rank || (r === rank && item.name > name);
  });
  return i < 0 ? all.length : i;
}
