// The fault catalogue's invariants I1-I4, and the rig they are checked on: a real engine
// (`createEngine` with the file journal, the undici transport, the provider's client and the real
// hashers) in a temp $FERRY_HOME, uploading to the provider's emulator, optionally through the
// fault proxy. The rig records every request the provider clients send (full URL, headers,
// timing) and every journal write: I2 needs both, because the emulator's own request log has no
// query strings and GCS session URIs differ only there.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../app/common/errors.js';
import type { ConflictPolicy, ProviderId, TransferView } from '../../app/common/transfer.js';
import { createEngine } from '../../app/engine/engine.js';
import type { Engine, TargetConfig } from '../../app/engine/engine-api.js';
import type { Http, HttpRequest, HttpResponse } from '../../app/engine/http.js';
import type { Journal, JournalRecord } from '../../app/engine/journal.js';
import type { Clock } from '../../app/engine/ports.js';
import type { Json, ProviderFactory } from '../../app/engine/provider.js';
import type { RetryConfig } from '../../app/engine/retry-policy.js';
import { FileJournal } from '../../app/node/file-journal.js';
import { NodeFileSource } from '../../app/node/file-source.js';
import { createHasher } from '../../app/node/hashers.js';
import { inlineDigester } from '../../app/engine/digester.js';
import { chooseDigester } from '../../app/node/worker-digester.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { createLogger } from '../../app/node/logger.js';
import { systemClock } from '../../app/node/system-clock.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { CLIENTS } from '../../app/providers/registry.js';
import { EMULATORS, samePorts } from '../../app/emulators/registry.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorFile, RequestRecord } from '../../app/emulators/kit/emulator-types.js';
import { FAST_RETRY } from './engine-harness.js';
import { optionPorts, startFaultProxy, throughProxy, type FaultProxy } from './fault-proxy.js';
import { CASES, type ProviderCase } from './provider-cases.js';

export function providerCase(id: ProviderId): ProviderCase {
  const c = CASES.find((x) => x.id === id);
  if (!c) throw new Error(`no test case for provider ${id}`);
  return c;
}

function factory(id: ProviderId): ProviderFactory {
  return CLIENTS[id].create;
}

async function startEmulator(c: ProviderCase, dataDir: string, extra: Record<string, unknown>): Promise<RunningEmulator> {
  const opts = { dataDir, ...c.emulator, ...extra } as never;
  return EMULATORS[c.id].emulate(opts);
}

function endpointFor(c: ProviderCase, emu: RunningEmulator): { url: string; options: Record<string, string> } {
  return EMULATORS[c.id].endpointFor(emu);
}

export interface HttpRecord {
  seq: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyBytes: number;
  /** Engine clock when the request was issued (fake time under a FakeClock). */
  at: number;
  startedMs: number;
  endedMs?: number;
  status?: number;
  resHeaders?: Record<string, string>;
  /** FerryError code when the transport threw. */
  error?: string;
}

/** The Http port seen from the providers, recorded; a request can be held back to act between two requests. */
export class RecordingHttp implements Http {
  readonly records: HttpRecord[] = [];
  private holds: { pred: (r: HttpRecord) => boolean; held: (r: HttpRecord) => void; gate: Promise<void> }[] = [];

  constructor(public inner: Http, private readonly clock: Clock) {}

  /** The next request matching `pred` waits, unsent, until `release` is called (or its signal aborts). */
  hold(pred: (r: HttpRecord) => boolean): { held: Promise<HttpRecord>; release(): void } {
    let release!: () => void;
    let held!: (r: HttpRecord) => void;
    const gate = new Promise<void>((r) => { release = r; });
    const heldP = new Promise<HttpRecord>((r) => { held = r; });
    this.holds.push({ pred, held, gate });
    return { held: heldP, release };
  }

  async request(r: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
    const rec: HttpRecord = { seq: this.records.length, method: r.method, url: r.url, headers, bodyBytes: r.body === undefined ? 0 : Buffer.byteLength(r.body), at: this.clock.now(), startedMs: Date.now() };
    this.records.push(rec);
    const i = this.holds.findIndex((h) => h.pred(rec));
    if (i >= 0) {
      const [h] = this.holds.splice(i, 1);
      h!.held(rec);
      await Promise.race([h!.gate, new Promise<void>((res) => r.signal?.addEventListener('abort', () => res(), { once: true }))]);
    }
    try {
      const res = await this.inner.request(r);
      rec.status = res.status;
      rec.resHeaders = res.headers;
      return res;
    } catch (e) {
      rec.error = e instanceof FerryError ? e.code : 'internal';
      throw e;
    } finally {
      rec.endedMs = Date.now();
    }
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/** When a session stopped being the one the journal points at: positions in both request logs. */
export interface Mark { client: number; server: number; ms: number }
export interface SessionUse { transfer: string; ref: Json; mark?: Mark }

/** The journal port, recorded (which session each transfer used, and when it let go of it); puts can be made to fail. */
export class RecordingJournal implements Journal {
  readonly uses: SessionUse[] = [];
  /** Successful writes per transfer, latest last (what is on disk). */
  readonly written = new Map<string, JournalRecord[]>();
  /** When set and returning an error, `put` throws it without touching the disk (a full disk, say). */
  failPut?: (r: JournalRecord) => Error | undefined;

  constructor(private readonly inner: Journal, private readonly mark: () => Mark) {}

  load(): Promise<JournalRecord[]> {
    return this.inner.load();
  }

  async put(r: JournalRecord): Promise<void> {
    this.track(r.id, r.session?.ref);
    const err = this.failPut?.(r);
    if (err) throw err;
    await this.inner.put(r);
    const list = this.written.get(r.id) ?? [];
    list.push(structuredClone(r));
    this.written.set(r.id, list);
  }

  async remove(id: string): Promise<void> {
    this.track(id, undefined);
    await this.inner.remove(id);
  }

  private track(id: string, ref: Json | undefined): void {
    const cur = this.uses.findLast((u) => u.transfer === id && !u.mark);
    if (cur && (ref === undefined || JSON.stringify(ref) !== JSON.stringify(cur.ref))) cur.mark = this.mark();
    if (ref !== undefined && (!cur || cur.mark)) this.uses.push({ transfer: id, ref });
  }
}

/** Real time, shiftable: "eight days later" without waiting (session expiry while paused). */
export class ShiftClock implements Clock {
  shift = 0;
  now(): number {
    return Date.now() + this.shift;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
}

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

// ---------------------------------------------------------------------------------------------
// The rig.

export interface RigOptions {
  proxy?: boolean;
  retry?: Partial<RetryConfig>;
  idleTimeoutMs?: number;
  emulator?: Record<string, unknown>;
  client?: Record<string, string>;
  clock?: Clock;
  random?: () => number;
  chunkSize?: number;
  maxConcurrent?: number;
  progressWriteMs?: number;
  conflict?: ConflictPolicy;
  afterChunk?: (id: string, offset: number) => void;
}

export interface Rig {
  c: ProviderCase;
  emu: RunningEmulator;
  proxy?: FaultProxy;
  engine: Engine;
  home: string;
  token: string;
  clock: Clock;
  http: RecordingHttp;
  journal: RecordingJournal;
  makeFile(name: string, size: number): Promise<string>;
  add(localPath: string): Promise<TransferView>;
  upload(localPath: string): Promise<TransferView>;
  /** Session references the journal held for a transfer, oldest first. */
  sessions(id: string): Json[];
  /** Data requests (chunks, parts) the clients sent, failed ones included. */
  dataRequests(): HttpRecord[];
  /** Bytes of file data the emulator accepted. */
  received(): number;
  /** Stops the emulator and starts a fresh one on the same port and data directory (in-memory sessions lost). */
  restartEmulator(extra?: Record<string, unknown>): Promise<void>;
  /** Shuts the engine down and starts a new one on the same $FERRY_HOME (a quit and relaunch); `between` runs while it is down. */
  restartEngine(between?: () => Promise<void>): Promise<void>;
  /** Shuts the engine down and asserts I1-I4. */
  check(o?: CheckOptions): Promise<void>;
  close(): Promise<void>;
}

export async function startRig(id: ProviderId, o: RigOptions = {}): Promise<Rig> {
  const c = providerCase(id);
  const root = mkdtempSync(join(tmpdir(), `ferry-faults-${id}-`));
  const home = join(root, 'home');
  const local = join(root, 'local');
  const emuDir = join(root, 'emu');
  await fsp.mkdir(local, { recursive: true });
  const token = `tok_SECRET_${randomBytes(9).toString('hex')}`;
  const emuExtra = { ...(o.emulator ?? {}), token };
  let emu = await startEmulator(c, emuDir, emuExtra);
  const emuPort = Number(new URL(emu.url).port);
  const direct = endpointFor(c, emu);
  const proxy = o.proxy ? await startFaultProxy({ targetPort: emuPort, alsoTargetPorts: optionPorts(direct) }) : undefined;
  const ep = proxy ? throughProxy(direct, proxy) : direct;
  const target: TargetConfig = { id: `t-${id}`, name: id, provider: id, url: ep.url, token, options: { ...ep.options, ...c.client, ...(o.client ?? {}) }, conflict: o.conflict ?? 'rename', remoteRoot: '/' };
  const clock = o.clock ?? new ShiftClock();
  const log = createLogger({ file: join(home, 'logs', 'ferry.log'), secrets: () => [token] });
  const newTransport = (): Http => new UndiciHttp(o.idleTimeoutMs ? { idleTimeoutMs: o.idleTimeoutMs } : {});
  const http = new RecordingHttp(newTransport(), clock);
  const journal = new RecordingJournal(new FileJournal(home, log), () => ({ client: http.records.length, server: emu.requests().length, ms: Date.now() }));
  const snapshots = new Map<string, { localPath: string; snapshot: string }>();
  let down = false;
  // The app's digester (a worker thread unless FERRY_HASH_WORKER=off), shared by every boot like the app's process-wide one.
  const digester = chooseDigester(process.env, () => inlineDigester(createHasher));

  const boot = async (): Promise<Engine> => {
    const e = createEngine({
      journal, files: new NodeFileSource(), clock, log, hashers: createHasher, digester, http,
      providers: (p) => factory(p),
      targets: new MemoryTargetStore([target]),
      settings: {
        autoResume: true, maxConcurrent: o.maxConcurrent ?? 1, chunkSize: o.chunkSize ?? c.chunkSize,
        retry: { ...FAST_RETRY, ...(o.retry ?? {}) }, notifyMs: 10, progressWriteMs: o.progressWriteMs ?? 0,
      },
      ...(o.random ? { random: o.random } : {}),
      ...(o.afterChunk ? { afterChunk: o.afterChunk } : {}),
    });
    await e.start();
    down = false;
    return e;
  };
  const shutdown = async (): Promise<void> => {
    if (down) return;
    down = true;
    await rig.engine.shutdown();
  };

  const rig: Rig = {
    c, emu, proxy, home, token, clock, http, journal,
    engine: await boot(),
    makeFile: async (name, size) => {
      const p = join(local, name);
      await fsp.writeFile(p, randomBytes(size));
      return p;
    },
    add: async (localPath) => {
      const [v] = await rig.engine.add({ targetId: target.id, items: [{ localPath, remotePath: `/ferry-tests/${localPath.split('/').pop()!}` }] });
      snapshots.set(v!.id, { localPath, snapshot: sha256(await fsp.readFile(localPath)) });
      return v!;
    },
    upload: async (localPath) => rig.engine.settled((await rig.add(localPath)).id),
    sessions: (tid) => journal.uses.filter((u) => u.transfer === tid).map((u) => u.ref),
    dataRequests: () => http.records.filter((r) => isData(id, r)),
    received: () => emu.stats().bytesReceived,
    restartEmulator: async (extra = {}) => {
      const ports = samePorts(emu);
      await emu.close();
      emu = await startEmulator(c, emuDir, { ...emuExtra, ...extra, ...ports });
      rig.emu = emu;
    },
    restartEngine: async (between) => {
      await shutdown();
      await between?.();
      http.inner = newTransport();
      rig.engine = await boot();
    },
    check: async (co = {}) => {
      const views = rig.engine.list();
      await shutdown();
      const items: Tracked[] = views.flatMap((v) => {
        const s = snapshots.get(v.id);
        return s ? [{ view: v, ...s }] : [];
      });
      const secrets = [token, ...journal.uses.flatMap((u) => refSecrets(u.ref))];
      const problems = [
        ...(await checkI1(items, await emu.files(), co)),
        ...checkI2(http, emu.requests(), journal.uses),
        ...(await checkI3(home, secrets, views)),
        ...(await checkI4(home)),
      ];
      if (problems.length > 0) throw new Error(`invariants broken:\n${problems.join('\n')}`);
    },
    close: async () => {
      await shutdown().catch(() => undefined);
      await proxy?.close();
      await emu.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return rig;
}

/** Polls until `pred` holds (bounded). */
export async function waitFor(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
