// The one engine test rig: a real engine (`createEngine` with the file journal, the undici
// transport, the provider's client and the real hashers) in a temp $FERRY_HOME, uploading to the
// provider's emulator, optionally through the fault proxy, with retry delays shrunk for tests.
// The HTTP and journal ports are recorded (recording-ports.ts) so the fault catalogue's
// invariants (invariants.ts) can be checked afterwards; the clock is injectable (a FakeClock
// makes retry schedules exact).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBwLimit } from '../../app/common/bwlimit-schedule.js';
import type { LocalWeek } from '../../app/common/local-week.js';
import type { ConflictPolicy, ProviderId, TransferView } from '../../app/common/transfer.js';
import { createEngine } from '../../app/engine/engine.js';
import type { Engine, TargetConfig } from '../../app/engine/engine-api.js';
import { inlineDigester, type Digester } from '../../app/engine/digester.js';
import type { Clock, HasherFactory, Http, Json } from '../../app/engine/ports.js';
import type { RetryConfig } from '../../app/engine/retry-policy.js';
import { FileJournal } from '../../app/node/file-journal.js';
import { NodeFileSource } from '../../app/node/file-source.js';
import { createHasher } from '../../app/node/hashers.js';
import { preferBaselineWasm, UndiciHttp } from '../../app/node/http-transport.js';
import { createLogger } from '../../app/node/logger.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { chooseDigester } from '../../app/node/worker-digester.js';
import { CLIENTS } from '../../app/providers/registry.js';
import { EMULATORS, samePorts } from '../../app/emulators/registry.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorFile, EmulatorStats } from '../../app/emulators/kit/emulator-types.js';
import { ShiftClock } from '../fakes/fake-clock.js';
import { optionPorts, startFaultProxy, throughProxy, type FaultProxy } from './fault-proxy.js';
import { checkI1, checkI2, checkI3, checkI4, isData, refSecrets, type CheckOptions, type Tracked } from './invariants.js';
import { CASES, startCaseEmulator, type ProviderCase } from './provider-cases.js';
import { RecordingHttp, RecordingJournal, type HttpRecord } from './recording-ports.js';

export { waitFor } from './wait-for.js';

export const FAST_RETRY: Partial<RetryConfig> = { baseMs: 20, capMs: 200, jitterMs: 20, maxAttempts: 6 };

export function providerCase(id: ProviderId): ProviderCase {
  const c = CASES.find((x) => x.id === id);
  if (!c) throw new Error(`no test case for provider ${id}`);
  return c;
}

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
  /** Parts of one file at once for Box and Synapse (the engine's default when absent). */
  partsInFlight?: number;
  progressWriteMs?: number;
  conflict?: ConflictPolicy;
  afterChunk?: (id: string, offset: number) => void;
  /** Bandwidth limit (`--bwlimit` syntax) and the local time its timetable reads. */
  bwlimit?: string;
  localWeek?: LocalWeek;
  /** The target's requests go through an Http of its own (as a signed-in account's do: `httpFor`). */
  ownHttp?: boolean;
}

export interface Rig {
  c: ProviderCase;
  emu: RunningEmulator;
  proxy?: FaultProxy;
  engine: Engine;
  home: string;
  token: string;
  /** The configured target; a test may change it (e.g. its conflict policy) between uploads. */
  target: TargetConfig;
  clock: Clock;
  http: RecordingHttp;
  journal: RecordingJournal;
  makeFile(name: string, size: number): Promise<string>;
  /** Queues `localPath` to /ferry-tests/<remoteName, default its own name>. */
  add(localPath: string, remoteName?: string): Promise<TransferView>;
  upload(localPath: string, remoteName?: string): Promise<TransferView>;
  /** Session references the journal held for a transfer, oldest first. */
  sessions(id: string): Json[];
  /** Data requests (chunks, parts) the clients sent, failed ones included. */
  dataRequests(): HttpRecord[];
  /** Bytes of file data the emulator accepted. */
  received(): number;
  stats(): EmulatorStats;
  remoteFiles(): Promise<EmulatorFile[]>;
  /** The stored copy of `localPath`, matched by content (sha256) and size. */
  stored(localPath: string): Promise<EmulatorFile | undefined>;
  /** Bytes the engine hashed itself (whole-file digests before a session, e.g. Synapse's MD5). */
  hashedBytes(): number;
  /**
   * Every hashing the engine asked for, in-thread hashers and the Digester (worker) alike: bytes
   * times algorithms, and how many HTTP requests the clients had started by then.
   */
  hashLog(): { bytes: number; afterRequests: number }[];
  /** Stops the emulator and starts a fresh one on the same port and data directory (in-memory sessions lost). */
  restartEmulator(extra?: Record<string, unknown>): Promise<void>;
  /** Shuts the engine down and starts a new one on the same $FERRY_HOME (a quit and relaunch); `between` runs while it is down. */
  restartEngine(between?: () => Promise<void>): Promise<void>;
  /** Shuts the engine down and asserts I1-I4. */
  check(o?: CheckOptions): Promise<void>;
  close(): Promise<void>;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export async function startRig(which: ProviderId | ProviderCase, o: RigOptions = {}): Promise<Rig> {
  const c = typeof which === 'string' ? providerCase(which) : which;
  const id = c.id;
  const root = mkdtempSync(join(tmpdir(), `ferry-rig-${id}-`));
  const home = join(root, 'home');
  const local = join(root, 'local');
  const emuDir = join(root, 'emu');
  await fsp.mkdir(local, { recursive: true });
  const token = `tok_SECRET_${randomBytes(9).toString('hex')}`;
  const emuExtra = { ...(o.emulator ?? {}), token };
  let emu = await startCaseEmulator(c, emuDir, emuExtra);
  const emuPort = Number(new URL(emu.url).port);
  // Every origin the client talks to (Box has two) goes through the one proxy.
  const direct = EMULATORS[id].endpointFor(emu);
  const proxy = o.proxy ? await startFaultProxy({ targetPort: emuPort, alsoTargetPorts: optionPorts(direct) }) : undefined;
  const ep = proxy ? throughProxy(direct, proxy) : direct;
  const target: TargetConfig = { id: `t-${id}`, name: id, provider: id, url: ep.url, token, options: { ...ep.options, ...c.client, ...(o.client ?? {}) }, conflict: o.conflict ?? 'rename', remoteRoot: '/' };
  const clock = o.clock ?? new ShiftClock();
  const log = createLogger({ file: join(home, 'logs', 'ferry.log'), secrets: () => [token] });
  // As the app's composition root does, once per process.
  preferBaselineWasm();
  const newTransport = (): Http => new UndiciHttp(o.idleTimeoutMs ? { idleTimeoutMs: o.idleTimeoutMs } : {});
  const http = new RecordingHttp(newTransport(), clock);
  const journal = new RecordingJournal(new FileJournal(home, log), () => ({ client: http.records.length, server: emu.requests().length, ms: Date.now() }));
  const snapshots = new Map<string, { localPath: string; snapshot: string }>();
  let hashed = 0;
  const hashLog: { bytes: number; afterRequests: number }[] = [];
  const logHash = (bytes: number): void => { if (bytes > 0) hashLog.push({ bytes, afterRequests: http.records.length }); };
  const countingHashers: HasherFactory = (a) => {
    const h = createHasher(a);
    return { update: (d) => { hashed += d.length; logHash(d.length); h.update(d); }, digest: () => h.digest() };
  };
  let down = false;
  // The app's digester (a worker thread unless FERRY_HASH_WORKER=off), shared by every boot like the app's process-wide one.
  const digester = countingDigester(chooseDigester(process.env, () => inlineDigester(createHasher)), logHash);
  const targets = new MemoryTargetStore([target]);

  const boot = async (): Promise<Engine> => {
    const e = createEngine({
      journal, files: new NodeFileSource(), clock, log, hashers: countingHashers, digester, http,
      providers: (p) => CLIENTS[p].create,
      targets,
      settings: {
        autoResume: true, maxConcurrent: o.maxConcurrent ?? 1, chunkSize: o.chunkSize ?? c.chunkSize,
        retry: { ...FAST_RETRY, ...(o.retry ?? {}) }, notifyMs: 10, progressWriteMs: o.progressWriteMs ?? 0,
        ...(o.bwlimit !== undefined ? { bwlimit: parseBwLimit(o.bwlimit) } : {}),
        ...(o.partsInFlight !== undefined ? { partsInFlight: o.partsInFlight } : {}),
      },
      ...(o.localWeek ? { localWeek: o.localWeek } : {}),
      ...(o.ownHttp ? { httpFor: (): Http => ({ request: (r) => http.request(r) }) } : {}),
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
    c, emu, proxy, home, token, target, clock, http, journal,
    engine: await boot(),
    makeFile: async (name, size) => {
      const p = join(local, name);
      await fsp.writeFile(p, randomBytes(size));
      return p;
    },
    add: async (localPath, remoteName) => {
      const name = remoteName ?? localPath.split('/').pop()!;
      const [v] = await rig.engine.add({ targetId: target.id, items: [{ localPath, remotePath: `/ferry-tests/${name}` }] });
      snapshots.set(v!.id, { localPath, snapshot: sha256(await fsp.readFile(localPath)) });
      return v!;
    },
    upload: async (localPath, remoteName) => rig.engine.settled((await rig.add(localPath, remoteName)).id),
    sessions: (tid) => journal.uses.filter((u) => u.transfer === tid).map((u) => u.ref),
    dataRequests: () => http.records.filter((r) => isData(id, r)),
    received: () => emu.stats().bytesReceived,
    stats: () => emu.stats(),
    remoteFiles: () => emu.files(),
    stored: async (localPath) => {
      const data = await fsp.readFile(localPath);
      const sha = sha256(data);
      return (await rig.remoteFiles()).find((f) => f.sha256 === sha && f.size === data.length);
    },
    hashedBytes: () => hashed,
    hashLog: () => [...hashLog],
    restartEmulator: async (extra = {}) => {
      const ports = samePorts(emu);
      await emu.close();
      emu = await startCaseEmulator(c, emuDir, { ...emuExtra, ...extra, ...ports });
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

/** The digester as it is, reporting what it is asked to hash (per-chunk and whole-file bytes). */
function countingDigester(inner: Digester, log: (bytes: number) => void): Digester {
  return {
    offThread: inner.offThread,
    allocate: (n) => inner.allocate(n),
    open(whole) {
      const s = inner.open(whole);
      return {
        hash: (data, perChunk, wholeFrom) => {
          log(data.length * perChunk.length + (data.length - wholeFrom) * new Set(whole).size);
          return s.hash(data, perChunk, wholeFrom);
        },
        finish: () => s.finish(),
        close: () => s.close(),
      };
    },
  };
}
