// createEngine with real port fakes (FakeProvider, MemoryJournal, FakeClock) and real files in a
// temp dir: what the user is owed when an upload is paused mid-chunk, cancelled while the server
// is unreachable, interrupted by a shutdown, or refused with a 401. Time is the FakeClock's:
// every sleep is cut short by moving the clock to its deadline, so nothing waits for real.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { createEngine } from '../../app/engine/engine.js';
import type { Engine, TargetConfig } from '../../app/engine/engine-api.js';
import type { JournalRecord } from '../../app/engine/journal.js';
import { NodeFileSource } from '../../app/node/file-source.js';
import { createHasher } from '../../app/node/hashers.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { MemoryTargetStore } from '../fakes/fake-engine.js';
import { FakeHttp } from '../fakes/fake-http.js';
import { FakeProvider } from '../fakes/fake-provider.js';
import { MemoryJournal } from '../fakes/memory-journal.js';
import { waitFor } from '../helpers/wait-for.js';

const CS = 1024;
const TOKEN = 'tok_account_secret_5b1e';
const target: TargetConfig = { id: 't1', name: 'fake', provider: 'tus', url: 'https://fake.example/', token: TOKEN, options: {}, conflict: 'rename', remoteRoot: '/' };
const quiet = { info() {}, warn() {}, error() {} };

let dir: string;
let clock: FakeClock;
let provider: FakeProvider;
let journal: MemoryJournal;
let engines: Engine[];
let stopClock: () => void;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-engine-unit-'));
  clock = new FakeClock();
  provider = new FakeProvider({ chunkSize: CS });
  journal = new MemoryJournal();
  engines = [];
  // Whoever sleeps is woken at once, at its deadline on the fake clock.
  stopClock = clock.drive();
});
afterEach(async () => {
  for (const e of engines) await e.shutdown().catch(() => undefined);
  stopClock();
  await rm(dir, { recursive: true, force: true });
});

async function boot(): Promise<Engine> {
  const targets = new MemoryTargetStore();
  await targets.put(target);
  const e = createEngine({
    journal, files: new NodeFileSource(), clock, log: quiet, hashers: createHasher, http: new FakeHttp(),
    providers: () => provider.factory(), targets,
    settings: { autoResume: true, maxConcurrent: 1, chunkSize: CS, progressWriteMs: 0, notifyMs: 1, retry: { baseMs: 10, capMs: 100, jitterMs: 0, maxAttempts: 3 } },
    random: () => 0,
  });
  engines.push(e);
  await e.start();
  return e;
}

async function file(name: string, size: number): Promise<{ path: string; data: Buffer }> {
  const data = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, data);
  return { path, data };
}

const add = async (e: Engine, path: string): Promise<string> => (await e.add({ targetId: target.id, items: [{ localPath: path, remotePath: `/up/${path.split('/').pop()}` }] }))[0]!.id;
const onDisk = (id: string): JournalRecord => journal.get(id)!;
const sends = (): number[] => provider.calls.filter((c) => c.op === 'send').map((c) => c.offset!);

describe('createEngine with fake ports', () => {
  it('more files at once start queued ones at once; fewer never stop a running upload', async () => {
    const e = await boot();
    const hold = provider.holdNextChunk();
    const a = await add(e, (await file('a.bin', 3 * CS)).path);
    const b = await add(e, (await file('b.bin', 3 * CS)).path);
    await hold.reached;
    // One at a time: b waits behind a, whose chunk is held on the wire.
    expect(e.get(b)!.state.kind).toBe('queued');
    e.setMaxConcurrent(2);
    expect(e.maxConcurrent()).toBe(2);
    await waitFor(() => e.get(b)!.state.kind !== 'queued', 'b to start');
    e.setMaxConcurrent(1);
    expect(e.get(a)!.state.kind).toBe('uploading');
    hold.release();
    expect((await e.settled(a)).state.kind).toBe('done');
    expect((await e.settled(b)).state.kind).toBe('done');
    expect(() => e.setMaxConcurrent(0)).toThrow(/files at once must be a whole number from 1 to 16/);
  });

  it('pause mid-chunk aborts the request on the wire, keeps the session on disk, and resume asks the server before sending', async () => {
    const { path, data } = await file('pause.bin', 4 * CS);
    const e = await boot();
    const hold = provider.holdNextChunk();
    const id = await add(e, path);
    await hold.reached;
    // Half of the first chunk is on the wire.
    await e.pause(id);
    const held = provider.calls.find((c) => c.op === 'send')!;
    expect(held.aborted).toBe(true);
    expect(e.get(id)!.state).toEqual({ kind: 'paused', offset: 0 });
    expect(onDisk(id).state.kind).toBe('paused');
    expect(onDisk(id).session?.ref).toEqual({ id: 'fs-1' });
    const before = provider.calls.length;
    await e.resume(id);
    const v = await e.settled(id);
    expect(v.state).toEqual({ kind: 'done', remotePath: '/up/pause.bin', verified: false });
    // After the resume the server is asked what it holds before a byte is sent; same session.
    expect(provider.calls.slice(before).map((c) => c.op)[0]).toBe('status');
    expect(provider.calls.filter((c) => c.op === 'create')).toHaveLength(1);
    expect(provider.committed).toEqual([{ path: '/up/pause.bin', data }]);
  });

  it('cancel while the server is unreachable is a cancelled state whose delete is owed; the next start carries it out', async () => {
    const { path } = await file('offline.bin', 4 * CS);
    const e = await boot();
    const hold = provider.holdNextChunk();
    const id = await add(e, path);
    await hold.reached;
    provider.offline = true;
    await e.cancel(id);
    const owed = { kind: 'cancelled', sessionDeleted: false, note: 'offline', deletePending: true };
    expect(e.get(id)!.state).toEqual(owed);
    expect(onDisk(id).state).toEqual(owed);
    expect(onDisk(id).session).toBeDefined();
    // Three quick attempts at the delete, none reached the server.
    expect(provider.calls.filter((c) => c.op === 'cancel')).toHaveLength(3);
    expect(provider.sessions.get('fs-1')!.deleted).toBe(false);
    // Cleared from the history only once the delete went through.
    await e.clearFinished();
    expect(e.get(id)).toBeDefined();

    await e.shutdown();
    provider.offline = false;
    const again = await boot();
    await waitFor(() => journal.get(id) === undefined, 'the owed delete to be carried out');
    expect(provider.sessions.get('fs-1')!.deleted).toBe(true);
    expect(again.get(id)!.state).toEqual({ kind: 'cancelled', sessionDeleted: true });
    // Nothing was uploaded or committed after the cancel.
    expect(provider.committed).toEqual([]);
    expect(provider.calls.filter((c) => c.op === 'create')).toHaveLength(1);
  });

  it('a pending cancel written by the previous version (cancelPending beside the state) is carried out too', async () => {
    const { path, data } = await file('legacy.bin', 2 * CS);
    provider.sessions.set('fs-9', { id: 'fs-9', size: data.length, data: [], held: 0, deleted: false });
    journal.seed({
      v: 1, id: 'tlegacy1', targetId: target.id, provider: 'tus', localPath: path, remotePath: '/up/legacy.bin', conflict: 'rename',
      fingerprint: { size: data.length, mtimeNs: '1', headTail: 'x' }, chunkSize: CS, offset: CS,
      session: { ref: { id: 'fs-9' }, chunkSize: CS, createdAt: 1 },
      state: { kind: 'cancelled', sessionDeleted: false, note: 'offline' }, cancelPending: true, createdAt: 1, updatedAt: 2,
    });
    const e = await boot();
    await waitFor(() => journal.get('tlegacy1') === undefined, 'the legacy pending cancel to be carried out');
    expect(provider.sessions.get('fs-9')!.deleted).toBe(true);
    expect(e.get('tlegacy1')!.state).toEqual({ kind: 'cancelled', sessionDeleted: true });
  });

  it('shutdown puts an in-flight upload back in line on disk; the next start resumes the same session from what the server holds', async () => {
    const { path, data } = await file('shutdown.bin', 4 * CS);
    const e = await boot();
    const first = provider.holdNextChunk();
    const id = await add(e, path);
    await first.reached;
    // The first chunk is confirmed; the second is half sent when the app quits.
    const hold = provider.holdNextChunk();
    first.release();
    await hold.reached;
    await e.shutdown();
    expect(provider.calls.filter((c) => c.aborted)).toHaveLength(1);
    const rec = onDisk(id);
    expect(rec.state).toEqual({ kind: 'queued' });
    expect(rec.session?.ref).toEqual({ id: 'fs-1' });
    expect(rec.offset).toBeGreaterThanOrEqual(CS);

    const held = provider.sessions.get('fs-1')!.held;
    const mark = provider.calls.length;
    const again = await boot();
    const v = await again.settled(id);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    expect(provider.calls.slice(mark)[0]!.op).toBe('status');
    // Nothing the server held was sent again, and no second session was opened.
    expect(provider.calls.slice(mark).filter((c) => c.op === 'send').map((c) => c.offset)[0]).toBe(held);
    expect(provider.calls.filter((c) => c.op === 'create')).toHaveLength(1);
    expect(provider.committed).toEqual([{ path: '/up/shutdown.bin', data }]);
  });

  it('a 401 during a chunk fails the transfer without quoting the token, keeps its session and progress, and retry resumes it', async () => {
    const { path, data } = await file('auth.bin', 3 * CS);
    const e = await boot();
    // The first chunk is on the wire when the token stops being accepted: the second gets the 401.
    const first = provider.holdNextChunk();
    const id = await add(e, path);
    await first.reached;
    provider.failNext('send', new FerryError('auth', `uploading chunk 2 failed: HTTP 401 (unauthorized): invalid token ${TOKEN}`, { status: 401 }));
    first.release();
    const failed = await e.settled(id);
    expect(failed.state.kind).toBe('failed');
    if (failed.state.kind !== 'failed') return;
    expect(failed.state.error.code).toBe('auth');
    expect(failed.state.error.message).toMatch(/rejected the token/);
    expect(failed.state.error.message).not.toContain(TOKEN);
    expect(failed.state.offset).toBe(CS);
    // Not retried with a token the server refused: one failed attempt, no backoff.
    expect(clock.sleeps).toEqual([]);
    expect(onDisk(id).state.kind).toBe('failed');
    expect(JSON.stringify(onDisk(id))).not.toContain(TOKEN);
    expect(onDisk(id).session?.ref).toEqual({ id: 'fs-1' });

    await e.retry(id);
    const v = await e.settled(id);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    expect(provider.calls.filter((c) => c.op === 'create')).toHaveLength(1);
    expect(sends().filter((o) => o === 0)).toHaveLength(1);
    expect(provider.committed).toEqual([{ path: '/up/auth.bin', data }]);
  });

  it('settled answers once the finished or failed state is on disk, so a caller that exits next keeps it', async () => {
    const e = await boot();
    // A slow disk: the write that records the end of the transfer is held.
    let release = (): void => undefined;
    const held = new Promise<void>((r) => { release = r; });
    journal.gatePut = (r) => (r.state.kind === 'done' || r.state.kind === 'failed' ? held : undefined);
    const id = await add(e, (await file('slow-disk.bin', 2 * CS + 1)).path);
    let answered = false;
    const settled = e.settled(id).then((v) => { answered = true; return v; });
    await waitFor(() => e.list().find((v) => v.id === id)?.state.kind === 'done', 'the transfer shown as done');
    // Shown as done in memory, but not yet on disk: settled waits.
    await new Promise((r) => setTimeout(r, 20));
    // Released first (synchronously, so nothing has run since) to let the engine shut down if this fails.
    release();
    expect(answered).toBe(false);
    expect((await settled).state.kind).toBe('done');
    expect(onDisk(id).state.kind).toBe('done');
  });
});
