// The preparing read computes the file's digests and, given the chunk size, every chunk's own
// digests, with chunks that straddle the 4 MiB read buffer, in-thread or on the worker; the
// table is used only for the chunk it covers exactly, and kept in the journal only while small.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineDigester } from '../../app/engine/digester.js';
import { JOURNAL_SCHEMA, type JournalRecord } from '../../app/engine/journal.js';
import { digestBeforeSession, journalable, knownChunkDigests, MAX_JOURNAL_CHUNK_DIGESTS } from '../../app/engine/pre-digest.js';
import { NodeFileSource } from '../../app/node/file-source.js';
import { createHasher } from '../../app/node/hashers.js';
import { WorkerDigester } from '../../app/node/worker-digester.js';
import { FakeClock } from '../fakes/fake-clock.js';

const MiB = 1 << 20;
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');
let dir: string;
let worker: WorkerDigester;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-pre-digest-'));
  worker = new WorkerDigester();
});
afterAll(async () => {
  await worker.close();
  await rm(dir, { recursive: true, force: true });
});

function record(path: string, size: number): JournalRecord {
  return {
    v: JOURNAL_SCHEMA, id: 't1', targetId: 'x', provider: 'synapse', localPath: path, remotePath: '/a', conflict: 'rename',
    fingerprint: { size, mtimeNs: '0', headTail: '' }, chunkSize: 3 * MiB, offset: 0, state: { kind: 'queued' }, createdAt: 0, updatedAt: 0,
  } as JournalRecord;
}

describe('digestBeforeSession', () => {
  it.each(['inline', 'worker'] as const)('%s: whole-file MD5 and each 3 MiB part\'s MD5 from one read (parts straddle the 4 MiB buffer)', async (which) => {
    const data = randomBytes(10 * MiB + 5);
    const path = join(dir, `f-${which}.bin`);
    await writeFile(path, data);
    const files = new NodeFileSource();
    const f = await files.open(path);
    const reads: number[] = [];
    const file = { ...f, path: f.path, stat: () => f.stat(), close: () => f.close(), read: (b: Buffer, n: number, p: number) => { reads.push(n); return f.read(b, n, p); } };
    const got = await digestBeforeSession(file, record(path, data.length), ['md5'], { chunkSize: 3 * MiB, algorithms: ['md5'] }, {
      hashers: createHasher, clock: new FakeClock(), emit: () => undefined, checkAborted: () => undefined,
      digester: which === 'worker' ? worker : inlineDigester(createHasher),
    });
    await f.close();
    expect(got.whole).toEqual({ md5: md5(data) });
    const parts = [0, 1, 2, 3].map((i) => md5(data.subarray(i * 3 * MiB, (i + 1) * 3 * MiB)));
    expect(got.chunks).toEqual({ chunkSize: 3 * MiB, size: data.length, digests: { md5: parts } });
    // One read of the file: its bytes, once.
    expect(reads.reduce((a, b) => a + b, 0)).toBe(data.length);
  });

  it('the table answers only for the chunk it covers exactly; the journal keeps it up to MAX_JOURNAL_CHUNK_DIGESTS chunks', () => {
    const t = { chunkSize: 10, size: 25, digests: { md5: ['a', 'b', 'c'] } };
    expect(knownChunkDigests(t, 10, 10, ['md5'])).toEqual({ md5: 'b' });
    expect(knownChunkDigests(t, 20, 5, ['md5', 'sha1'])).toEqual({ md5: 'c' });
    expect(knownChunkDigests(t, 20, 4, ['md5'])).toEqual({});
    expect(knownChunkDigests(t, 5, 10, ['md5'])).toEqual({});
    expect(knownChunkDigests(undefined, 0, 10, ['md5'])).toEqual({});
    expect(MAX_JOURNAL_CHUNK_DIGESTS).toBe(1024);
    expect(journalable({ chunkSize: 8, size: 8 * 1024, digests: {} })).toBe(true);
    expect(journalable({ chunkSize: 8, size: 8 * 1024 + 1, digests: {} })).toBe(false);
  });
});
