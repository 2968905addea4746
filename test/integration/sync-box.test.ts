// Folder sync to Box (a provider with folders and file versions), through the real engine:
// remote folders are created as needed, and a file changed locally becomes a new version of
// the same Box file rather than a second file. Box is built into the engine here directly
// (createEngine with the same adapters as createRuntime) until the registry lists it.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine, TargetConfig } from '../../app/engine/engine-api.js';
import { createEngine } from '../../app/engine/engine.js';
import { FileJournal } from '../../app/node/file-journal.js';
import { NodeFileSource } from '../../app/node/file-source.js';
import { createHasher } from '../../app/node/hashers.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { createLogger } from '../../app/node/logger.js';
import { systemClock } from '../../app/node/system-clock.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { ParcelWatcher } from '../../app/node/watcher-parcel.js';
import { createBoxProvider } from '../../app/providers/box/client.js';
import { type BoxRunningEmulator, startBoxEmulator } from '../../app/emulators/box/emulator.js';
import { emulatorAdminHeaders } from '../../app/emulators/kit/emulator-host.js';
import type { EmulatorFile } from '../../app/emulators/kit/emulator-types.js';
import type { SyncEvent } from '../../app/sync/sync-events.js';
import { SyncFolder } from '../../app/sync/sync-folder.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('folder sync to Box', () => {
  let base: string;
  let emu: BoxRunningEmulator;
  let http: UndiciHttp;
  let engine: Engine;
  let folder: SyncFolder | undefined;
  const events: SyncEvent[] = [];

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-sync-box-'));
    await mkdir(join(base, 'emu'));
    emu = await startBoxEmulator({ dataDir: join(base, 'emu') });
    http = new UndiciHttp({ idleTimeoutMs: 10_000 });
    const home = join(base, 'home');
    const log = createLogger({ file: join(home, 'logs', 'ferry.log'), stderr: false, secrets: () => [emu.token] });
    const target: TargetConfig = { id: 'box', name: 'box', provider: 'box', url: emu.url, token: emu.token, options: { uploadUrl: emu.uploadUrl }, conflict: 'replace', remoteRoot: '/' };
    engine = createEngine({
      journal: new FileJournal(home, log), files: new NodeFileSource(), clock: systemClock, log, hashers: createHasher, http,
      providers: () => createBoxProvider, targets: new MemoryTargetStore([target]), settings: { autoResume: false, maxConcurrent: 1 },
    });
    await engine.start();
    events.length = 0;
  });
  afterEach(async () => {
    await folder?.stop();
    // shutdown() closes the engine's connections (the http adapter) too.
    await engine.shutdown();
    await emu.close();
    await rm(base, { recursive: true, force: true });
  });

  it('creates the remote folders and uploads a changed file as a new version of the same file', async () => {
    const root = join(base, 'Footage');
    await mkdir(join(root, 'day1', 'cam-a'), { recursive: true });
    await writeFile(join(root, 'day1', 'cam-a', 'clip.mov'), 'take 1');
    await writeFile(join(root, 'notes.txt'), 'notes');
    folder = new SyncFolder(
      { id: 'box', root, targetId: 'box', remoteDir: '/Footage', stateDir: join(base, 'home', 'sync', 'box'), stability: { windowMs: 300 }, aggregator: { quietMs: 50 } },
      { engine, watcher: new ParcelWatcher(), onEvent: (e) => events.push(e), log: () => undefined },
    );
    await folder.start();
    const waitDone = async (n: number) => {
      const end = Date.now() + 20_000;
      while (events.filter((e) => e.type === 'done').length < n) {
        if (Date.now() > end) throw new Error(`timed out; events: ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitDone(2);
    expect(events.filter((e) => e.type === 'failed')).toEqual([]);
    const folderCreates = emu.requests().filter((r) => r.method === 'POST' && /\/2\.0\/folders$/.test(r.path));
    expect(folderCreates.map((r) => r.status)).toEqual([201, 201, 201]);

    await writeFile(join(root, 'day1', 'cam-a', 'clip.mov'), 'take 2, longer');
    await waitDone(3);
    const versionUploads = emu.requests().filter((r) => r.method === 'POST' && /\/2\.0\/files\/[^/]+\/content$/.test(r.path));
    expect(versionUploads).toHaveLength(1);
    const files = (await (await fetch(`${emu.url}/_emulator/files`, { headers: emulatorAdminHeaders(emu) })).json()) as EmulatorFile[];
    expect(files.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/Footage/day1/cam-a/clip.mov', size: 14, sha256: sha('take 2, longer') },
      { path: '/Footage/notes.txt', size: 5, sha256: sha('notes') },
    ]);
  });
});
