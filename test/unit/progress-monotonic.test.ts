// The progress bar never steps back while a transfer runs: a chunk that fails after most of it was
// on the wire, and is then resent, must not move `transferred` below what the user already saw.
// Only a real loss (the server holds less than it confirmed, e.g. a new session) may lower it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { createEngine } from '../../app/engine/engine.js';
import type { Engine, TargetConfig } from '../../app/engine/engine-api.js';
import type { Chunk, SendContext, ServerState, Session, UploadJob } from '../../app/engine/provider.js';
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

/** A server whose connection drops at the end of the chunks listed in `dropAt` (by send number). */
class DroppingProvider extends FakeProvider {
  sendNo = 0;
  seen: number[] = [];
  constructor(private readonly dropAt: number[], private readonly look: () => number) {
    super({ chunkSize: CS });
  }
  override async sendChunk(s: Session, job: UploadJob, c: Chunk, ctx: SendContext): Promise<ServerState> {
    this.sendNo++;
    const watch = { ...ctx, onSent: (b: number) => { ctx.onSent?.(b); this.seen.push(this.look()); } };
    this.seen.push(this.look());
    if (this.dropAt.includes(this.sendNo)) {
      // Almost all of the chunk went out before the connection dropped.
      watch.onSent(c.data.length - 10);
      throw new FerryError('network', 'connection reset by the server');
    }
    // The transport reports a body slice by slice: the first half leaves, then the rest.
    watch.onSent(Math.floor(c.data.length / 2));
    const st = await super.sendChunk(s, job, c, watch);
    this.seen.push(this.look());
    return st;
  }
}

let dir: string;
let clock: FakeClock;
let stopClock: () => void;
let engine: Engine | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-progress-'));
  clock = new FakeClock();
  stopClock = clock.drive();
});
afterEach(async () => {
  await engine?.shutdown().catch(() => undefined);
  stopClock();
  await rm(dir, { recursive: true, force: true });
});

async function boot(provider: FakeProvider): Promise<Engine> {
  const targets = new MemoryTargetStore();
  await targets.put(target);
  const e = createEngine({
    journal: new MemoryJournal(), files: new NodeFileSource(), clock, log: quiet, hashers: createHasher, http: new FakeHttp(),
    providers: () => provider.factory(), targets,
    settings: { autoResume: true, maxConcurrent: 1, chunkSize: CS, progressWriteMs: 0, notifyMs: 1, retry: { baseMs: 10, capMs: 100, jitterMs: 0, maxAttempts: 5 } },
    random: () => 0,
  });
  await e.start();
  return e;
}

describe('reported progress', () => {
  it('goes back only on a real loss: the server forgot the session, the upload starts over', async () => {
    const path = join(dir, 'g.bin');
    await writeFile(path, randomBytes(4 * CS));
    let id = '';
    const provider = new DroppingProvider([3], () => engine!.get(id)?.transferred ?? 0);
    provider.failNext('status', new FerryError('session-gone', 'upload session not found'));
    engine = await boot(provider);
    id = (await engine.add({ targetId: target.id, items: [{ localPath: path, remotePath: '/up/g.bin' }] }))[0]!.id;
    expect((await engine.settled(id)).state.kind).toBe('done');
    const seen = provider.seen;
    const drop = seen.findIndex((x, i) => i > 0 && x < seen[i - 1]!);
    expect(seen[drop], seen.join(',')).toBe(0);
    expect(seen.slice(0, drop).every((x, i, a) => i === 0 || x >= a[i - 1]!)).toBe(true);
  });

  it('never steps back when a chunk is resent after a dropped connection', async () => {
    const path = join(dir, 'f.bin');
    await writeFile(path, randomBytes(4 * CS));
    let id = '';
    const provider = new DroppingProvider([2, 4], () => engine!.get(id)?.transferred ?? 0);
    const targets = new MemoryTargetStore();
    await targets.put(target);
    engine = createEngine({
      journal: new MemoryJournal(), files: new NodeFileSource(), clock, log: quiet, hashers: createHasher, http: new FakeHttp(),
      providers: () => provider.factory(), targets,
      settings: { autoResume: true, maxConcurrent: 1, chunkSize: CS, progressWriteMs: 0, notifyMs: 1, retry: { baseMs: 10, capMs: 100, jitterMs: 0, maxAttempts: 5 } },
      random: () => 0,
    });
    await engine.start();
    id = (await engine.add({ targetId: target.id, items: [{ localPath: path, remotePath: '/up/f.bin' }] }))[0]!.id;
    const v = await engine.settled(id);
    expect(v.state.kind).toBe('done');
    expect(provider.sendNo).toBe(6);
    // What the bar showed, sampled at every send and every byte report: it only ever grows.
    const seen = provider.seen;
    for (let i = 1; i < seen.length; i++) expect(seen[i], `sample ${i}: ${seen.join(',')}`).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(Math.max(...seen)).toBe(4 * CS);
  });
});
