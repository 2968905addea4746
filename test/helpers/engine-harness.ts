// A real engine (journal, HTTP, providers) in a temp $FERRY_HOME, pointed at a provider
// emulator, optionally through the fault proxy, with retry delays shrunk for tests.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransferView } from '../../app/common/transfer.js';
import type { TargetConfig } from '../../app/engine/engine-api.js';
import type { RetryConfig } from '../../app/engine/retry-policy.js';
import { createRuntime, type Runtime } from '../../app/runtime/runtime.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { EMULATORS, emulatorOrigin } from '../../app/emulators/registry.js';
import { emulatorAdminHeaders, type RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorFile, EmulatorStats } from '../../app/emulators/kit/emulator-types.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { startCaseEmulator, type ProviderCase } from './provider-cases.js';

export const FAST_RETRY: Partial<RetryConfig> = { baseMs: 20, capMs: 200, jitterMs: 20, maxAttempts: 6 };

export interface HarnessOptions {
  proxy?: boolean;
  retry?: Partial<RetryConfig>;
  idleTimeoutMs?: number;
  emulator?: Record<string, unknown>;
  maxConcurrent?: number;
}

export interface Harness {
  c: ProviderCase;
  emu: RunningEmulator;
  proxy?: FaultProxy;
  runtime: Runtime;
  target: TargetConfig;
  home: string;
  files: string;
  makeFile(name: string, size: number): Promise<string>;
  upload(localPath: string, remoteName?: string): Promise<TransferView>;
  add(localPath: string, remoteName?: string): Promise<TransferView>;
  stats(): EmulatorStats;
  remoteFiles(): Promise<EmulatorFile[]>;
  /** The stored copy of `localPath`, matched by content (sha256) and size. */
  stored(localPath: string): Promise<EmulatorFile | undefined>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(c: ProviderCase, o: HarnessOptions = {}): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), `ferry-${c.id}-`));
  const home = join(root, 'home');
  const files = join(root, 'local');
  await fsp.mkdir(files, { recursive: true });
  const emu = await startCaseEmulator(c, join(root, 'emu'), o.emulator);
  const proxy = o.proxy ? await startFaultProxy({ targetPort: Number(new URL(emu.url).port) }) : undefined;
  const ep = EMULATORS[c.id].endpointFor(emu);
  const url = proxy ? ep.url.replace(`:${new URL(emu.url).port}`, `:${proxy.port}`) : ep.url;
  const target: TargetConfig = { id: `t-${c.id}`, name: c.id, provider: c.id, url, token: emu.token, options: { ...ep.options, ...c.client }, conflict: 'rename', remoteRoot: '/' };
  const targets = new MemoryTargetStore([target]);
  const boot = () => createRuntime({
    home, targets,
    settings: { autoResume: true, maxConcurrent: o.maxConcurrent ?? 1, chunkSize: c.chunkSize, retry: { ...FAST_RETRY, ...(o.retry ?? {}) }, notifyMs: 10 },
    ...(o.idleTimeoutMs ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
  });
  const h: Harness = {
    c, emu, proxy, target, home, files,
    runtime: await boot(),
    makeFile: async (name, size) => {
      const p = join(files, name);
      await fsp.writeFile(p, randomBytes(size));
      return p;
    },
    add: async (localPath, remoteName) => {
      const name = remoteName ?? localPath.split('/').pop()!;
      const [v] = await h.runtime.engine.add({ targetId: target.id, items: [{ localPath, remotePath: `/ferry-tests/${name}` }] });
      return v!;
    },
    upload: async (localPath, remoteName) => h.runtime.engine.settled((await h.add(localPath, remoteName)).id),
    stats: () => emu.stats(),
    remoteFiles: async () => (await fetch(`${emulatorOrigin(emu)}/_emulator/files`, { headers: emulatorAdminHeaders(emu) })).json() as Promise<EmulatorFile[]>,
    stored: async (localPath) => {
      const data = await fsp.readFile(localPath);
      const sha = createHash('sha256').update(data).digest('hex');
      return (await h.remoteFiles()).find((f) => f.sha256 === sha && f.size === data.length);
    },
    restart: async () => {
      await h.runtime.close();
      h.runtime = await boot();
    },
    close: async () => {
      await h.runtime.close().catch(() => undefined);
      await proxy?.close();
      await emu.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return h;
}

/** Polls until `pred` holds (bounded), for waiting on progress in real time. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
