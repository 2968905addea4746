// A provider that needs the file's MD5 before the session and fixes its part size then (as
// Synapse does): the runner sends every part with the MD5 the preparing read computed, hashing
// nothing in the upload pass; a part table over the journal's cap stays in memory only, and a
// resume without it (a relaunch) hashes the parts it still sends, correctly.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HasherFactory } from '../../app/engine/hashing.js';
import { JOURNAL_SCHEMA, type JournalRecord } from '../../app/engine/journal.js';
import { MAX_JOURNAL_CHUNK_DIGESTS } from '../../app/engine/pre-digest.js';
import type { Provider } from '../../app/engine/provider.js';
import { DEFAULT_RETRY } from '../../app/engine/retry-policy.js';
import { runUpload, type RunnerDeps } from '../../app/engine/upload-runner.js';
import { NodeFileSource } from '../../app/node/file-source.js';
import { createHasher } from '../../app/node/hashers.js';
import { WorkerDigester } from '../../app/node/worker-digester.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { MemoryJournal } from '../fakes/memory-journal.js';

const PART = 16;
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

let dir: string;
let digester: WorkerDigester;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-runner-planned-'));
  digester = new WorkerDigester();
});
afterEach(async () => {
  await digester.close();
  await rm(dir, { recursive: true, force: true });
});

describe('upload runner: part digests planned before the session', () => {
  it(`over ${MAX_JOURNAL_CHUNK_DIGESTS} parts: right MD5 on every part, none hashed while sending, the table kept out of the journal; a resume without it hashes only the parts left`, async () => {
    const parts = MAX_JOURNAL_CHUNK_DIGESTS + 6;
    const data = randomBytes(parts * PART - 5);
    const path = join(dir, 'many.bin');
    await writeFile(path, data);
    const given: { index: number; md5: string | undefined; actual: string; hashedBefore: number }[] = [];
    let hashed = 0;
    let stopAfter = Infinity;
    const abort = new AbortController();
    const have = new Set<number>();
    const provider: Provider = {
      id: 'synapse', rules: { min: 1, max: 1 << 20, align: 1, defaultSize: PART }, ordered: false,
      integrity: 'md5', needsBefore: ['md5'], chunkDigests: ['md5'], plannedChunkSize: () => PART,
      create: async () => ({ ref: { u: 1 }, chunkSize: PART }),
      status: async () => ({ kind: 'parts', have: [...have] }),
      sendChunk: async (_s, _j, c) => {
        given.push({ index: c.index, md5: c.digests?.md5, actual: md5(c.data), hashedBefore: hashed });
        have.add(c.index);
        if (have.size >= stopAfter) abort.abort();
        return undefined;
      },
      finish: async (_s, job, d) => ({ path: job.target.remotePath, size: job.file.size, hash: { algorithm: 'md5', value: d.md5! } }),
      cancel: async () => ({ deleted: false, why: 'no API' }),
    };
    // Counts every byte the runner hashes, in-thread and on the worker alike.
    const hashers: HasherFactory = (a) => { const h = createHasher(a); return { update: (b) => { hashed += b.length; h.update(b); }, digest: () => h.digest() }; };
    const counting = {
      offThread: true, allocate: (n: number) => digester.allocate(n),
      open: (whole: Parameters<WorkerDigester['open']>[0]) => {
        const s = digester.open(whole);
        return { ...s, hash: (b: Buffer, per: Parameters<typeof s.hash>[1], from: number) => { hashed += b.length * per.length + (b.length - from) * whole.length; return s.hash(b, per, from); } };
      },
    };
    const files = new NodeFileSource();
    const f = await files.open(path);
    const fingerprint = await files.fingerprint(f);
    await f.close();
    const journal = new MemoryJournal();
    const rec: JournalRecord = {
      v: JOURNAL_SCHEMA, id: 'r1', targetId: 't', provider: 'synapse', localPath: path, remotePath: '/many.bin', conflict: 'rename',
      fingerprint, chunkSize: PART, offset: 0, state: { kind: 'queued' }, createdAt: 0, updatedAt: 0,
    };
    const deps: RunnerDeps = {
      provider, files, journal, clock: new FakeClock(),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined }, hashers, digester: counting,
      retry: DEFAULT_RETRY, random: () => 0, throttle: { until: 0 }, progressWriteMs: 1000,
      emit: () => undefined, sent: () => undefined,
    };
    stopAfter = 1000;
    expect((await runUpload(rec, deps, abort.signal)).kind).toBe('aborted');
    // Both MD5s of every byte came from the preparing read; sending hashed nothing.
    expect(hashed).toBe(2 * data.length);
    expect(given.every((g) => g.hashedBefore === 2 * data.length)).toBe(true);
    expect(given.every((g) => g.md5 === g.actual)).toBe(true);
    const saved = (await journal.load()).find((r) => r.id === 'r1')!;
    expect(saved.digests?.md5).toBe(md5(data));
    expect(saved.chunkDigests).toBeUndefined();

    // A relaunch: the record as saved, the part MD5s recomputed for the parts still to send, and only those.
    given.length = 0;
    hashed = 0;
    stopAfter = Infinity;
    const out = await runUpload(structuredClone(saved), deps, new AbortController().signal);
    expect(out).toMatchObject({ kind: 'done', verified: true });
    expect(given.map((g) => g.index)).toEqual(Array.from({ length: parts - 1000 }, (_, k) => 1000 + k));
    expect(given.every((g) => g.md5 === g.actual)).toBe(true);
    expect(hashed).toBe(data.length - 1000 * PART);
  });
});
