// The chunk loop with the worker-thread digester and a hand-written ordered provider that keeps
// less than it is sent, reports an offset mismatch and a checksum mismatch: every chunk reaches
// the provider with the SHA-1 of exactly its bytes, the whole-file SHA-1 handed to finish is the
// file's, and a correctly predicted chunk is read from disk once.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { JOURNAL_SCHEMA, type JournalRecord } from '../../app/engine/journal.js';
import type { FileSource, OpenFile } from '../../app/engine/ports.js';
import type { Chunk, Provider, ServerState } from '../../app/engine/provider.js';
import { DEFAULT_RETRY } from '../../app/engine/retry-policy.js';
import { runUpload, type RunnerDeps } from '../../app/engine/upload-runner.js';
import { NodeFileSource } from '../../app/node/file-source.js';
import { createHasher } from '../../app/node/hashers.js';
import { WorkerDigester } from '../../app/node/worker-digester.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { MemoryJournal } from '../fakes/memory-journal.js';

const CS = 64 * 1024;
const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');

let dir: string;
let digester: WorkerDigester;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-runner-digests-'));
  digester = new WorkerDigester();
});
afterEach(async () => {
  await digester.close();
  await rm(dir, { recursive: true, force: true });
});

/** Counts reads per position: a read-ahead that was used must not be followed by a second read. */
class CountingFiles implements FileSource {
  private readonly inner = new NodeFileSource();
  readonly reads: number[] = [];
  /** The fingerprint's own head and tail reads are not chunk reads. */
  private fingerprinting = false;
  async open(path: string): Promise<OpenFile> {
    const f = await this.inner.open(path);
    return { path: f.path, stat: () => f.stat(), close: () => f.close(), read: (b, n, p) => { if (!this.fingerprinting) this.reads.push(p); return f.read(b, n, p); } };
  }
  async fingerprint(f: OpenFile) {
    this.fingerprinting = true;
    try {
      return await this.inner.fingerprint(f);
    } finally {
      this.fingerprinting = false;
    }
  }
}

describe('upload runner with off-thread digests', () => {
  it('sends every chunk with its own SHA-1 and finishes with the file SHA-1 through partial acceptance, a reconcile and a resend', async () => {
    const data = randomBytes(5 * CS + 123);
    const path = join(dir, 'take 1.mov');
    await writeFile(path, data);
    const sent: { offset: number; length: number; given: string | undefined; actual: string }[] = [];
    let held = 0;
    let finishedWith: string | undefined;
    const script: ((c: Chunk) => ServerState)[] = [
      (c) => ({ kind: 'offset', offset: c.offset + c.data.length }),
      // The server keeps only part of the second chunk: the predicted next chunk is wrong.
      (c) => ({ kind: 'offset', offset: c.offset + 1000 }),
      () => { throw new FerryError('offset-mismatch', 'server holds a different offset'); },
      () => { throw new FerryError('integrity', 'checksum mismatch, the server discarded the chunk'); },
    ];
    const provider: Provider = {
      id: 'tus', rules: { min: 1, max: 1 << 30, align: 1, defaultSize: CS }, ordered: true,
      chunkDigests: ['sha1'], needsAtFinish: ['sha1'],
      create: async () => ({ ref: { u: 1 }, chunkSize: CS }),
      status: async () => ({ kind: 'offset', offset: held }),
      sendChunk: async (_s, _j, c) => {
        sent.push({ offset: c.offset, length: c.data.length, given: c.digests?.sha1, actual: sha1(c.data) });
        const step = script.shift();
        const st = step ? step(c) : { kind: 'offset' as const, offset: c.offset + c.data.length };
        held = (st as { offset: number }).offset;
        return st;
      },
      finish: async (_s, job, digests) => {
        finishedWith = digests.sha1;
        return { path: job.target.remotePath, size: job.file.size };
      },
      cancel: async () => ({ deleted: true }),
    };
    const files = new CountingFiles();
    const f = await files.open(path);
    const fingerprint = await files.fingerprint(f);
    await f.close();
    const rec: JournalRecord = {
      v: JOURNAL_SCHEMA, id: 'r1', targetId: 't', provider: 'tus', localPath: path, remotePath: '/take 1.mov', conflict: 'rename',
      fingerprint, chunkSize: CS, offset: 0, state: { kind: 'queued' }, createdAt: 0, updatedAt: 0,
    };
    const clock = new FakeClock();
    const deps: RunnerDeps = {
      provider, files, journal: new MemoryJournal(), clock,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined }, hashers: createHasher, digester,
      retry: DEFAULT_RETRY, random: () => 0, throttle: { until: 0 }, progressWriteMs: 1000,
      emit: () => undefined, sent: () => undefined,
    };
    const out = await runUpload(rec, deps, new AbortController().signal);
    expect(out.kind).toBe('done');
    expect(finishedWith).toBe(sha1(data));
    for (const s of sent) {
      expect(s.given).toBe(s.actual);
      expect(s.actual).toBe(sha1(data.subarray(s.offset, s.offset + s.length)));
    }
    expect(sent.map((s) => s.offset)).toEqual([0, CS, CS + 1000, CS + 1000, CS + 1000, 2 * CS + 1000, 3 * CS + 1000, 4 * CS + 1000]);
    // Correct predictions are read once. The wrong one (2·CS, the server kept less) is read and
    // dropped; CS+1000 is read for each of its three sends, and the chunk after it is read ahead
    // during each of them and used the third time.
    const at = (o: number): number => files.reads.filter((p) => p === o).length;
    expect([at(0), at(CS), at(2 * CS), at(CS + 1000), at(2 * CS + 1000), at(3 * CS + 1000), at(4 * CS + 1000)]).toEqual([1, 1, 1, 3, 3, 1, 1]);
    expect(files.reads).toHaveLength(11);
  });
});
