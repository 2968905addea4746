// The fault catalogue's invariants I1-I4, checked on what the engine rig (engine-rig.ts)
// recorded: every request the provider clients sent (full URL, headers, timing) and every journal
// write. I2 needs both, because the emulator's own request log has no query strings and GCS
// session URIs differ only there.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { ProviderId, TransferView } from '../../app/common/transfer.js';
import type { JournalRecord } from '../../app/engine/journal.js';
import type { Json } from '../../app/engine/provider.js';
import type { EmulatorFile, RequestRecord } from '../../app/emulators/kit/emulator-types.js';
import type { HttpRecord, RecordingHttp, SessionUse } from './recording-ports.js';

// ---------------------------------------------------------------------------------------------
// How a request is recognised as one to a given session.

interface SessionKey { paths: { path: string; query: [string, string][] }[]; tokens: string[] }

function walk(j: Json, key: string, out: [string, string][]): void {
  if (typeof j === 'string') out.push([key, j]);
  else if (Array.isArray(j)) for (const x of j) walk(x, key, out);
  else if (j && typeof j === 'object') for (const [k, v] of Object.entries(j)) walk(v, k, out);
}

export function sessionKey(ref: Json): SessionKey | undefined {
  const strings: [string, string][] = [];
  walk(ref, '', strings);
  const tokens = strings.filter(([k, v]) => /token/i.test(k) && v.length >= 8).map(([, v]) => v);
  const urls = strings.filter(([, v]) => /^https?:\/\//.test(v)).map(([, v]) => new URL(v));
  if (tokens.length > 0) return { paths: [], tokens };
  if (urls.length === 0) return undefined;
  // Box keeps several URLs of one session (part, commit, abort, list): the shortest path is their prefix.
  const shortest = Math.min(...urls.map((u) => u.pathname.length));
  const paths = urls.filter((u) => u.pathname.length === shortest).map((u) => ({ path: u.pathname, query: [...u.searchParams.entries()] }));
  return { paths, tokens };
}

function touches(k: SessionKey, url: string, headers: Record<string, string>, withQuery: boolean): boolean {
  if (k.tokens.some((t) => Object.values(headers).includes(t))) return true;
  const u = new URL(url, 'http://x');
  return k.paths.some((p) => (u.pathname === p.path || u.pathname.startsWith(`${p.path}/`)) && (!withQuery || p.query.every(([n, v]) => u.searchParams.get(n) === v)));
}

/** Requests (client log) the rig recorded to this session. */
export function toSession(http: RecordingHttp, ref: Json): HttpRecord[] {
  const k = sessionKey(ref);
  return k ? http.records.filter((r) => touches(k, r.url, r.headers, true)) : [];
}

/** How each provider's data requests look (method and a path fragment), for fault rules and log filters. */
export const DATA_ROUTE: Record<ProviderId, { method: string; path: string }> = {
  tus: { method: 'PATCH', path: '/files/' },
  onedrive: { method: 'PUT', path: '/up/' },
  redivis: { method: 'PUT', path: '/upload/storage/' },
  box: { method: 'PUT', path: '/upload_sessions/' },
  ucloud: { method: 'POST', path: '/chunked' },
  synapse: { method: 'PUT', path: '/_s3/' },
};

export function isData(id: ProviderId, r: HttpRecord): boolean {
  const d = DATA_ROUTE[id];
  return r.bodyBytes > 0 && r.method === d.method && new URL(r.url).pathname.includes(d.path);
}

/** Where in the file a data request starts, from its protocol headers. */
export function dataOffset(r: HttpRecord): number | undefined {
  const h = r.headers;
  if (h['upload-offset'] !== undefined) return Number(h['upload-offset']);
  if (h['chunked-upload-offset'] !== undefined) return Number(h['chunked-upload-offset']);
  const m = /bytes (\d+)-/.exec(h['content-range'] ?? '');
  return m ? Number(m[1]) : undefined;
}

// ---------------------------------------------------------------------------------------------
// The invariants. Each returns a list of problems (empty when it holds).

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const stem = (p: string): string => (p.split('/').pop() ?? p).replace(/\.[^.]*$/, '');

export interface Tracked { view: TransferView; localPath: string; snapshot: string }
export interface CheckOptions {
  /** Row 29: a transfer failed for 'integrity' has a remote copy the server committed (not trusted, but there). */
  committedOnIntegrityFailure?: boolean;
}

/** I1: done and byte-identical (exactly one remote copy), or not done and nothing committed. */
export async function checkI1(items: Tracked[], remote: EmulatorFile[], o: CheckOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  for (const t of items) {
    const now = sha256(await fsp.readFile(t.localPath).catch(() => Buffer.alloc(0)));
    const mine = remote.filter((f) => stem(f.path).startsWith(stem(t.view.remotePath)) || f.sha256 === t.snapshot || f.sha256 === now);
    if (t.view.state.kind === 'done') {
      if (mine.length !== 1 || mine[0]!.sha256 !== now) problems.push(`I1: ${t.localPath} is done but the server holds ${mine.length} copies (${mine.map((f) => `${f.path} ${f.size}B`).join(', ')}), not one equal to the local file`);
    } else if (mine.length > 0 && !(o.committedOnIntegrityFailure && t.view.state.kind === 'failed' && t.view.state.error.code === 'integrity')) {
      problems.push(`I1: ${t.localPath} is ${t.view.state.kind} but the server committed ${mine.map((f) => f.path).join(', ')}`);
    }
  }
  return problems;
}

/** I2: no request to a session after the journal let go of it (client log exactly; emulator log where paths tell sessions apart). */
export function checkI2(http: RecordingHttp, server: RequestRecord[], uses: SessionUse[]): string[] {
  const problems: string[] = [];
  const pathCount = new Map<string, number>();
  for (const u of uses) for (const p of sessionKey(u.ref)?.paths ?? []) pathCount.set(p.path, (pathCount.get(p.path) ?? 0) + 1);
  for (const u of uses) {
    const k = sessionKey(u.ref);
    if (!k || !u.mark) continue;
    const mark = u.mark;
    const late = http.records.slice(mark.client).filter((r) => touches(k, r.url, r.headers, true));
    if (late.length > 0) problems.push(`I2: ${late.length} request(s) to session ${late[0]!.url.split('?')[0]} after it was abandoned: ${late.map((r) => r.method).join(', ')}`);
    const serverSees = k.tokens.length > 0 || k.paths.every((p) => pathCount.get(p.path) === 1);
    if (!serverSees) continue;
    // Requests sent before the mark may still be arriving (a slow proxy): those are allowed.
    const inFlight = http.records.slice(0, mark.client).filter((r) => touches(k, r.url, r.headers, true) && (r.endedMs === undefined || r.endedMs >= mark.ms)).length;
    const arrived = server.slice(mark.server).filter((r) => touches(k, r.path, r.headers, false));
    if (arrived.length > inFlight) problems.push(`I2: the emulator saw ${arrived.length} request(s) to an abandoned session (${arrived.map((r) => `${r.method} ${r.path}`).join(', ')}), ${inFlight} were in flight at the time`);
  }
  return problems;
}

/** I3: no token and no upload-URL capability in the logs or in what the UI is sent. */
export async function checkI3(home: string, secrets: string[], views: TransferView[]): Promise<string[]> {
  const problems: string[] = [];
  const logDir = join(home, 'logs');
  // A run with nothing to report may have written no log at all: then only the views are checked.
  const names = await fsp.readdir(logDir).catch(() => [] as string[]);
  const texts: [string, string][] = [['transfer views', JSON.stringify(views)]];
  for (const n of names) texts.push([`logs/${n}`, await fsp.readFile(join(logDir, n), 'utf8')]);
  for (const [where, text] of texts) {
    for (const s of secrets) if (s.length >= 6 && text.includes(s)) problems.push(`I3: ${where} contains the secret ${s.slice(0, 4)}…`);
    const q = /[?&](tempauth|upload_id|token|sig|signature|X-Amz-Signature)=(?!\[redacted\])[^\s"&]+/i.exec(text);
    if (q) problems.push(`I3: ${where} contains an upload URL query string (${q[1]}=…)`);
    if (/Bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/-]{8,}/.test(text)) problems.push(`I3: ${where} contains a bearer token`);
  }
  return problems;
}

/** Capabilities a session reference carries: query values of its URLs and its tokens. */
export function refSecrets(ref: Json): string[] {
  const k = sessionKey(ref);
  if (!k) return [];
  return [...k.tokens, ...k.paths.flatMap((p) => p.query.filter(([n, v]) => n !== 'uploadType' && n !== 'name' && v.length >= 8).map(([, v]) => v))];
}

/** I4: every journal file parses and verifies; nothing quarantined, no temp file left. */
export async function checkI4(home: string): Promise<string[]> {
  const problems: string[] = [];
  const dir = join(home, 'transfers');
  for (const n of await fsp.readdir(dir).catch(() => [] as string[])) {
    if (!n.endsWith('.json')) {
      problems.push(`I4: stray file ${n} in the journal`);
      continue;
    }
    try {
      const env = JSON.parse(await fsp.readFile(join(dir, n), 'utf8')) as { sha256: string; record: JournalRecord };
      if (createHash('sha256').update(JSON.stringify(env.record)).digest('hex') !== env.sha256) problems.push(`I4: ${n} fails its checksum`);
      if (`${env.record.id}.json` !== n) problems.push(`I4: ${n} holds record ${env.record.id}`);
    } catch (e) {
      problems.push(`I4: ${n} does not parse: ${(e as Error).message}`);
    }
  }
  const q = await fsp.readdir(join(home, 'quarantine')).catch(() => [] as string[]);
  if (q.length > 0) problems.push(`I4: ${q.length} journal record(s) quarantined`);
  return problems;
}
