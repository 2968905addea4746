// Issue 12: on a long, fast path the chunk size of an ordered upload grows from each chunk's
// timing (chunk-sizer), within the provider's rules, and the journal keeps the size with the
// session so a resume continues exactly from the server's offset. The provider is an offset
// server whose each chunk "takes" the time a 1 Gbit/s, 100 ms path would (on a FakeClock).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { JOURNAL_SCHEMA, type JournalRecord } from '../../app/engine/journal.js';
import type { Chunk, Provider, SendContext } from '../../app/engine/provider.js';
import { DEFAULT_RETRY } from '../../app/engine/retry-policy.js';
import { runUpload, type RunnerDeps } from '../../app/engine/upload-runner.js';
import { NodeFileSource } from '../../app/node/file-source.js';
import { createHasher } from '../../app/node/hashers.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { MemoryJournal } from '../fakes/memory-journal.js';

const KiB = 1024;
const GRANULE = 256 * KiB;
const RTT_MS = 100;
const BYTES_PER_MS = 125_000; // 1 Gbit/s

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-runner-pace-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

/** A GCS-like offset server: 256 KiB-aligned chunks, each answered after its bytes and a round trip. */
function pathServer(clock: FakeClock, o: { failAt?: number } = {}) {
  const held: Buffer[] = [];
  let offset = 0;
  const sent: { offset: number; length: number }[] = [];
  let failed = 0;
  const provider: Provider = {
    id: 'redivis', rules: { min: GRANULE, max: 256 * 1024 * KiB, align: GRANULE, defaultSize: GRANULE }, ordered: true,
    streamsChunks: true,
    create: async (job) => ({ ref: { id: 'up-1' }, chunkSize: job.chunkSize }),
    status: async () => ({ kind: 'offset', offset }),
    async sendChunk(_s, _j, c: Chunk, ctx: SendContext) {
      const length = c.body ? c.body.length : c.data.length;
      if (c.offset !== offset) throw new FerryError('offset-mismatch', `server holds ${offset}, chunk at ${c.offset}`);
      if (!c.final && length % GRANULE !== 0) throw new FerryError('rejected', `chunk of ${length} bytes is not a multiple of 256 KiB`);
      if (sent.length === o.failAt && !(failed++)) throw new FerryError('rejected', 'the process was killed here (a permanent stop, as a crash leaves it)');
      sent.push({ offset: c.offset, length });
      const parts: Buffer[] = [];
      for await (const p of c.body!.read()) parts.push(Buffer.from(p));
      // The bytes take their time on the link, then the answer a round trip.
      await clock.advance(length / BYTES_PER_MS);
      ctx.onSent?.(length);
      await clock.advance(RTT_MS);
      held.push(Buffer.concat(parts));
      offset += length;
      return { kind: 'offset', offset };
    },
    finish: async (_s, job) => ({ path: job.target.remotePath, size: job.file.size }),
    cancel: async () => ({ deleted: true }),
  };
  return { provider, sent, bytes: () => Buffer.concat(held) };
}

async function record(path: string): Promise<JournalRecord> {
  const files = new NodeFileSource();
  const f = await files.open(path);
  const fingerprint = await files.fingerprint(f);
  await f.close();
  return {
    v: JOURNAL_SCHEMA, id: 'r1', targetId: 't', provider: 'redivis', localPath: path, remotePath: '/big.bin', conflict: 'rename',
    fingerprint, chunkSize: GRANULE, offset: 0, state: { kind: 'queued' }, createdAt: 0, updatedAt: 0,
  };
}

function deps(provider: Provider, clock: FakeClock, journal: MemoryJournal, adapt: boolean): RunnerDeps {
  return {
    provider, files: new NodeFileSource(), journal, clock,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined }, hashers: createHasher,
    retry: { ...DEFAULT_RETRY, maxAttempts: 1 }, random: () => 0, throttle: { until: 0 }, progressWriteMs: 0,
    emit: () => undefined, sent: () => undefined,
    pace: { adaptChunks: adapt, chunkCeiling: 64 * 1024 * KiB },
  };
}

describe('chunk sizes from the path (runner)', () => {
  it('grows the chunk within the rules until the round trip is a small share, and keeps the size in the journal', async () => {
    const data = randomBytes(48 * 1024 * KiB + 1234);
    const path = join(dir, 'big.bin');
    await writeFile(path, data);
    const clock = new FakeClock();
    const srv = pathServer(clock);
    const journal = new MemoryJournal();
    const out = await runUpload(await record(path), deps(srv.provider, clock, journal, true), new AbortController().signal);
    expect(out.kind, JSON.stringify(out)).toBe('done');
    expect(srv.bytes().equals(data)).toBe(true);
    const sizes = srv.sent.map((s) => s.length);
    expect(sizes[0]).toBe(GRANULE);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(16 * 1024 * KiB);
    // Far fewer chunks (round trips) than at the starting size.
    expect(sizes.length).toBeLessThan(20);
    // The journal held each new size with the session.
    const kept = journal.writes.map((w) => w.session?.chunkSize).filter((n) => n !== undefined);
    expect(Math.max(...(kept as number[]))).toBeGreaterThanOrEqual(16 * 1024 * KiB);
  });

  it('with a fixed chunk size (the user asked for one) every chunk is that size', async () => {
    const data = randomBytes(4 * 1024 * KiB);
    const path = join(dir, 'fixed.bin');
    await writeFile(path, data);
    const clock = new FakeClock();
    const srv = pathServer(clock);
    const out = await runUpload(await record(path), deps(srv.provider, clock, new MemoryJournal(), false), new AbortController().signal);
    expect(out.kind).toBe('done');
    expect(new Set(srv.sent.map((s) => s.length))).toEqual(new Set([GRANULE]));
  });

  it('a run that stops mid-way resumes from the server\'s offset with the size the journal kept, byte-exact', async () => {
    const data = randomBytes(40 * 1024 * KiB + 99);
    const path = join(dir, 'resume.bin');
    await writeFile(path, data);
    const clock = new FakeClock();
    const srv = pathServer(clock, { failAt: 4 });
    const journal = new MemoryJournal();
    const first = await runUpload(await record(path), deps(srv.provider, clock, journal, true), new AbortController().signal);
    expect(first.kind).toBe('failed');
    const [saved] = await journal.load();
    expect(saved!.session!.chunkSize).toBeGreaterThan(GRANULE);
    expect(saved!.offset).toBe(srv.sent.reduce((n, s) => n + s.length, 0));
    const before = srv.sent.length;
    const { offset: keptOffset, session: keptSession } = structuredClone(saved!);
    const out = await runUpload(saved!, deps(srv.provider, clock, journal, true), new AbortController().signal);
    expect(out.kind, JSON.stringify(out)).toBe('done');
    expect(srv.bytes().equals(data)).toBe(true);
    // The resume starts where the server stands, with the kept size, and nothing is sent twice.
    expect(srv.sent[before]!.offset).toBe(keptOffset);
    expect(srv.sent[before]!.length).toBe(Math.min(keptSession!.chunkSize, data.length - keptOffset));
  });
});
