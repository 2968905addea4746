// "Test connection" for an account: one authenticated call per provider, through the account's
// own Http (so an expired token is refreshed and a refused one says so), answering who the
// provider says you are, where files will go and how much space is left.
import type { ConnectionCheck } from '../common/api.js';
import { FerryError } from '../common/errors.js';
import { formatBytes } from '../common/transfer.js';
import type { Http, HttpResponse } from '../engine/http.js';
import type { Account } from '../accounts/credential.js';
import { ACCOUNT_TOKEN_PLACEHOLDER } from '../accounts/remote-targets.js';

const TIMEOUT_MS = 10_000;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const trim = (u: string): string => u.replace(/\/+$/, '');

async function get(http: Http, url: string, method = 'GET'): Promise<HttpResponse> {
  // The placeholder makes the account's Http put the real token in (and refresh it when refused).
  return http.request({ method, url, headers: { authorization: `Bearer ${ACCOUNT_TOKEN_PLACEHOLDER}`, accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

function refused(a: Account, res: HttpResponse, what: string): ConnectionCheck | undefined {
  const host = new URL(what).host;
  if (res.status === 401 || res.status === 403) return { ok: false, message: `${host} refused the sign-in of ${a.name} (HTTP ${res.status}): sign in again or check the token` };
  if (res.status === 404) return { ok: false, message: `${host} has no ${what.includes('/users/me') || what.includes('userProfile') ? 'such user' : 'such place'} (HTTP 404): check the account's folder, drive or table` };
  if (res.status >= 400) return { ok: false, message: `${host} answered HTTP ${res.status} to ${new URL(what).pathname}` };
  return undefined;
}

const spaceLeft = (total?: number, used?: number, remaining?: number): string | undefined => {
  const left = remaining ?? (total !== undefined && used !== undefined && total >= 0 ? total - used : undefined);
  return left === undefined ? undefined : `${formatBytes(Math.max(0, left))} free${total !== undefined && total > 0 ? ` of ${formatBytes(total)}` : ''}`;
};

function done(who: string | undefined, where: string, space: string | undefined): ConnectionCheck {
  const parts = [who ? `Signed in as ${who}` : 'Signed in', `files go to ${where}`, space ?? 'space left unknown'];
  return { ok: true, message: `${parts.join('; ')}.`, ...(who ? { who } : {}), where, ...(space ? { space } : {}) };
}

async function probe(http: Http, a: Account): Promise<ConnectionCheck> {
  const o = a.options;
  switch (a.provider) {
    case 'box': {
      const base = trim(a.url).replace(/\/2\.0$/, '');
      const me = `${base}/2.0/users/me`;
      const r = await get(http, me);
      const bad = refused(a, r, me);
      if (bad) return bad;
      const u = obj(r.json());
      const folderId = o.rootFolderId ?? '0';
      const f = folderId === '0' ? undefined : await get(http, `${base}/2.0/folders/${encodeURIComponent(folderId)}?fields=name`);
      if (f && f.status >= 400) return refused(a, f, `${base}/2.0/folders/${folderId}`)!;
      const total = num(u.space_amount);
      return done(text(u.login) ? `${text(u.name) ?? ''} (${text(u.login)})`.trim() : text(u.name), f ? `the Box folder ${text(obj(f.json()).name) ?? folderId}` : 'All Files', spaceLeft(total !== undefined && total >= 0 ? total : undefined, num(u.space_used)));
    }
    case 'onedrive': {
      const base = trim(a.url).replace(/\/(me\/drive|drives\/[^/]+|sites\/[^/]+(\/drive)?)$/, '');
      const drive = o.drive ?? 'me';
      const path = drive === 'me' ? 'me/drive' : drive.startsWith('sites/') ? `${drive}/drive` : drive;
      const url = `${base}/${path}`;
      const r = await get(http, url);
      const bad = refused(a, r, url);
      if (bad) return bad;
      const d = obj(r.json());
      const q = obj(d.quota);
      return done(text(obj(obj(d.owner).user).displayName), `${text(d.name) ?? 'the drive'} (${drive})`, spaceLeft(num(q.total), num(q.used), num(q.remaining)));
    }
    case 'synapse': {
      const base = trim(a.url).replace(/\/(repo|file)\/v1$/, '');
      const me = `${base}/repo/v1/userProfile`;
      const r = await get(http, me);
      const bad = refused(a, r, me);
      if (bad) return bad;
      const u = obj(r.json());
      const where = o.parentId ? await get(http, `${base}/repo/v1/entity/${encodeURIComponent(o.parentId)}`) : undefined;
      if (where && where.status >= 400) return refused(a, where, `${base}/repo/v1/entity/${o.parentId}`)!;
      return done(text(u.userName), where ? `${text(obj(where.json()).name) ?? o.parentId} (${o.parentId})` : 'Synapse', undefined);
    }
    case 'redivis': {
      const base = trim(a.url).replace(/\/api(\/v1)?$/, '');
      const table = o.table ?? '';
      const url = `${base}/api/v1/tables/${encodeURIComponent(table)}`;
      const r = await get(http, url);
      const bad = refused(a, r, url);
      if (bad) return bad;
      const t = obj(r.json());
      return done(undefined, `the table ${text(t.qualifiedReference) ?? text(t.name) ?? table}`, undefined);
    }
    case 'ucloud': {
      const drive = o.drive ?? '';
      const url = `${trim(a.url)}/api/files/collections/retrieve?id=${encodeURIComponent(drive)}`;
      const r = await get(http, url);
      const bad = refused(a, r, url);
      if (bad) return bad;
      const c = obj(r.json());
      return done(text(obj(c.owner).createdBy), `the drive ${text(obj(c.specification).title) ?? drive} (${drive})`, undefined);
    }
    case 'tus': {
      const r = await get(http, a.url, 'OPTIONS');
      const bad = refused(a, r, a.url);
      if (bad) return bad;
      const v = r.headers['tus-version'] ?? '';
      if (!v.split(',').map((x) => x.trim()).includes('1.0.0')) return { ok: false, message: `${new URL(a.url).host} answered, but not as a tus 1.0.0 server (no Tus-Version: 1.0.0)` };
      const max = Number(r.headers['tus-max-size']);
      return done(undefined, a.url, Number.isFinite(max) && max > 0 ? `files up to ${formatBytes(max)}` : undefined);
    }
  }
}

export async function probeAccount(http: Http, a: Account): Promise<ConnectionCheck> {
  try {
    return await probe(http, a);
  } catch (e) {
    const host = (() => { try { return new URL(a.url).host; } catch { return a.url; } })();
    if (e instanceof FerryError && (e.code === 'needs-sign-in' || e.code === 'auth')) return { ok: false, message: `${a.name} needs sign-in: ${e.message}` };
    if (e instanceof FerryError) return { ok: false, message: `Could not reach ${host}: ${e.message}` };
    return { ok: false, message: `Could not reach ${host}: ${e instanceof Error ? e.name : String(e)}` };
  }
}
