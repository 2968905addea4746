// Box API calls the client needs beyond single requests: authenticated JSON calls with Box
// error bodies turned into FerryErrors, paged folder listings, and remote path → folder id.
import { FerryError, type FerryErrorCode } from '../../common/errors.js';
import type { Http, HttpResponse, StreamBody } from '../../engine/http.js';
import { redactUrl, statusError } from '../shared/http-status.js';
import type { BoxErrorBody, BoxFolder, BoxItems, BoxMiniItem } from './wire.js';
import { MAX_PAGE_LIMIT } from './wire.js';

export interface CallOptions {
  method: string;
  url: string;
  /** What we were doing, for messages: "creating the upload session for /a/b.bin". */
  doing: string;
  json?: unknown;
  body?: Buffer | StreamBody;
  headers?: Record<string, string>;
  signal: AbortSignal;
  onSent?: (bytes: number) => void;
  /** Statuses handed back to the caller instead of thrown. */
  accept: number[];
  /** Box-specific status mapping; undefined falls back to the shared defaults. */
  codeFor?: (status: number, boxCode: string | undefined) => FerryErrorCode | undefined;
}

/** The Box error body of a response, when it has one. */
export function boxError(res: HttpResponse): BoxErrorBody | undefined {
  try {
    const b = res.json<BoxErrorBody>();
    return b && typeof b === 'object' && typeof b.code === 'string' ? b : undefined;
  } catch {
    return undefined;
  }
}

/** The item a 409 item_name_in_use names: an object for files, an array for folders. */
export function conflictOf(res: HttpResponse): BoxMiniItem | undefined {
  const c = boxError(res)?.context_info?.conflicts;
  const item = Array.isArray(c) ? c[0] : c;
  return item && typeof item.id === 'string' ? item : undefined;
}

export class BoxApi {
  /** Remote folder path ('' for the root folder) → folder id, learnt while walking. */
  private readonly folderIds = new Map<string, string>();

  constructor(
    private readonly http: Http,
    private readonly token: string,
    readonly apiBase: string,
    readonly uploadBase: string,
    readonly rootFolderId: string,
  ) {
    this.folderIds.set('', rootFolderId);
  }

  async call(o: CallOptions): Promise<HttpResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, ...(o.headers ?? {}) };
    let body: Buffer | StreamBody | undefined = o.body;
    if (o.json !== undefined) {
      body = Buffer.from(JSON.stringify(o.json));
      headers['content-type'] = 'application/json';
    }
    const res = await this.http.request({
      method: o.method, url: o.url, headers, signal: o.signal,
      ...(body !== undefined ? { body } : {}), ...(o.onSent ? { onSent: o.onSent } : {}),
    });
    if (o.accept.includes(res.status)) return res;
    throw this.error(res, o);
  }

  error(res: HttpResponse, o: Pick<CallOptions, 'method' | 'url' | 'doing' | 'codeFor'>): FerryError {
    const b = boxError(res);
    // A full account (BOX-OAS post_files_upload_sessions 403 storage_limit_exceeded) needs the
    // user, not another attempt.
    const code = o.codeFor?.(res.status, b?.code) ?? (b?.code === 'storage_limit_exceeded' ? 'quota' : undefined);
    return statusError(res, {
      method: o.method, url: o.url, doing: o.doing,
      ...(b?.code ? { serverCode: b.code } : {}), ...(b?.message ? { serverMessage: b.message } : {}),
      ...(code ? { code } : {}),
    });
  }

  /** Parses a JSON answer, or a 'protocol' error naming the call. */
  parse<T>(res: HttpResponse, o: Pick<CallOptions, 'method' | 'url' | 'doing'>, valid: (v: T) => boolean): T {
    let v: T | undefined;
    try {
      v = res.json<T>();
    } catch {
      v = undefined;
    }
    if (v === undefined || v === null || typeof v !== 'object' || !valid(v)) {
      throw new FerryError('protocol', `${o.doing}: Box's answer (HTTP ${res.status}) does not have the expected shape`, { method: o.method, url: redactUrl(o.url), status: res.status });
    }
    return v;
  }

  /**
   * Every item of a folder, page by page. Marker paging (`usemarker=true`), because Box refuses
   * offsets above 10,000 (BOX-OAS GET /folders/{id}/items) and a folder can hold more.
   */
  async *items(folderId: string, signal: AbortSignal): AsyncGenerator<BoxMiniItem> {
    let marker: string | null = null;
    const seen = new Set<string>();
    for (let page = 0; page < 100_000; page++) {
      const url: string = `${this.apiBase}/2.0/folders/${encodeURIComponent(folderId)}/items?fields=type,id,name,sha1&limit=${MAX_PAGE_LIMIT}&usemarker=true${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`;
      const o: CallOptions = { method: 'GET', url, doing: `listing Box folder ${folderId}`, signal, accept: [200] };
      const items: BoxItems = this.parse<BoxItems>(await this.call(o), o, (v) => Array.isArray(v.entries) && (v.next_marker === undefined || v.next_marker === null || typeof v.next_marker === 'string'));
      for (const e of items.entries) yield e;
      const next: string | null | undefined = items.next_marker;
      if (!next || items.entries.length === 0) return;
      // A server handing back a marker it gave before would page for ever.
      if (seen.has(next)) throw new FerryError('protocol', `listing Box folder ${folderId}: Box returned the same next_marker twice`, { method: 'GET', url: redactUrl(url) });
      seen.add(next);
      marker = next;
    }
  }

  /** The item of that name in a folder; Box compares names case-insensitively. */
  async find(folderId: string, name: string, signal: AbortSignal): Promise<BoxMiniItem | undefined> {
    const key = name.toLowerCase();
    for await (const item of this.items(folderId, signal)) if (item.name.toLowerCase() === key) return item;
    return undefined;
  }

  /** "name (n).ext" with the smallest n not taken in the folder. */
  async freeName(folderId: string, name: string, signal: AbortSignal): Promise<string> {
    const taken = new Set<string>();
    for await (const item of this.items(folderId, signal)) taken.add(item.name.toLowerCase());
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 1; ; n++) {
      const candidate = `${stem} (${n})${ext}`;
      if (!taken.has(candidate.toLowerCase())) return candidate;
    }
  }

  /** Folder id for a remote folder path like '/a/b', creating missing folders. */
  async folderId(dirs: string[], signal: AbortSignal): Promise<string> {
    let id = this.rootFolderId;
    let path = '';
    for (const name of dirs) {
      path += `/${name}`;
      const known = this.folderIds.get(path.toLowerCase());
      id = known ?? (await this.childFolder(id, name, path, signal));
      this.folderIds.set(path.toLowerCase(), id);
    }
    return id;
  }

  /** Forgets learnt folder ids (a folder was deleted behind our back). */
  forgetFolders(): void {
    this.folderIds.clear();
    this.folderIds.set('', this.rootFolderId);
  }

  private async childFolder(parentId: string, name: string, path: string, signal: AbortSignal): Promise<string> {
    const inTheWay = (item: BoxMiniItem): FerryError =>
      new FerryError('name-conflict', `Cannot create Box folder ${path}: a ${item.type} with that name is already there`, { serverCode: 'item_name_in_use' });
    const found = await this.find(parentId, name, signal);
    if (found) {
      if (found.type !== 'folder') throw inTheWay(found);
      return found.id;
    }
    const o = { method: 'POST', url: `${this.apiBase}/2.0/folders`, doing: `creating Box folder ${path}`, json: { name, parent: { id: parentId } }, signal, accept: [201, 409] };
    const res = await this.call(o);
    if (res.status === 201) return this.parse<BoxFolder>(res, o, (v) => typeof v.id === 'string').id;
    // Someone created it between our listing and our create: use theirs.
    const clash = conflictOf(res);
    if (boxError(res)?.code !== 'item_name_in_use' || !clash) throw this.error(res, o);
    if (clash.type !== 'folder') throw inTheWay(clash);
    return clash.id;
  }
}
