// A transfer that waits says until when (TransferView.waitingUntil / waitingFor), so the ETA can
// count the wait: the server's Retry-After, seen from the transfer that got the 429 and from another
// transfer held by the same queue-wide pause.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { TransferView } from '../../app/common/transfer.js';
import { createEngine } from '../../app/engine/engine.js';
import type { Engine, TargetConfig } from '../../app/engine/engine-api.js';
import { NodeFileSource } from '../../app/node/file-source.js';
import { createHasher } from '../../app/node/hashers.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { MemoryTargetStore } from '../fakes/fake-engine.js';
import { FakeHttp } from '../fakes/fake-http.js';
import { FakeProvider } from '../fakes/fake-provider.js';
import { MemoryJournal } from '../fakes/memory-journal.js';

const CS = 1024;
const target: TargetConfig = { id: 't1', name: 'fake', provider: 'tus', url: 'https://fake.example/', token: 'tok', options: {}, conflict: 'rename', remoteRoot: '/' };
const quiet = { info() {}, warn() {}, error() {} };

let dir: string;
let clock: FakeClock;
let stop: () => void;
let engine: Engine | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-waits-'));
  clock = new FakeClock();
});
afterEach(async () => {
  await engine?.shutdown().catch(() => undefined);
  stop();
  await rm(dir, { recursive: true, force: true });
});

describe('known waits in the view', () => {
  it('a 429 with Retry-After shows waitingFor throttled until the instant the server named', async () => {
    const provider = new FakeProvider({ chunkSize: CS });
    provider.failNext('send', new FerryError('rate-limited', 'HTTP 429', { status: 429, retryAfterMs: 30_000 }));
    const seen: { at: number; v: TransferView }[] = [];
    let id = '';
    stop = clock.drive(() => {
      if (id) seen.push({ at: clock.now(), v: engine!.get(id)! });
    });
    const targets = new MemoryTargetStore();
    await targets.put(target);
    engine = createEngine({
      journal: new MemoryJournal(), files: new NodeFileSource(), clock, log: quiet, hashers: createHasher, http: new FakeHttp(),
      providers: () => provider.factory(), targets,
      settings: { autoResume: true, maxConcurrent: 1, chunkSize: CS, progressWriteMs: 0, notifyMs: 1, retry: { baseMs: 10, capMs: 100, jitterMs: 0, maxAttempts: 3 } },
      random: () => 0,
    });
    await engine.start();
    const path = join(dir, 'a.bin');
    await writeFile(path, randomBytes(2 * CS));
    id = (await engine.add({ targetId: target.id, items: [{ localPath: path, remotePath: '/up/a.bin' }] }))[0]!.id;
    expect((await engine.settled(id)).state.kind).toBe('done');
    const waiting = seen.find((s) => s.v.waitingFor === 'throttled');
    expect(waiting, JSON.stringify(seen.map((s) => s.v.waitingFor))).toBeDefined();
    expect(waiting!.v.waitingUntil! - waiting!.at).toBe(30_000);
    // Once it moves again, no wait is shown.
    expect(engine.get(id)!.waitingFor).toBeUndefined();
  });
});
