// Fault row 20 in-process: the journal holds the intent to create a session before the request
// (and no URL), keeps it when the answer is lost, and a later create says a session may be left
// on the server. The crash hook kills only after the provider answered, and leaves the rest of the
// provider as it was.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { JournalRecord } from '../../app/engine/journal.js';
import type { Logger } from '../../app/engine/ports.js';
import type { UploadJob } from '../../app/engine/provider.js';
import { createRecorded } from '../../app/engine/session-intent.js';
import { notPlainPath } from '../../app/engine/reported-path.js';
import { withCrashHook } from '../../app/runtime/crash-hook.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { FakeProvider } from '../fakes/fake-provider.js';

const job: UploadJob = { file: { path: '/tmp/a.bin', name: 'a.bin', size: 10, mtimeMs: 1 }, target: { remotePath: '/x/a.bin', conflict: 'fail' }, chunkSize: 4, digests: {} };

function record(): JournalRecord {
  return {
    v: 1, id: 't1', targetId: 'tg', provider: 'tus', localPath: '/tmp/a.bin', remotePath: '/x/a.bin', conflict: 'fail',
    fingerprint: { size: 10, mtimeNs: '1', headTail: 'h' }, chunkSize: 4, offset: 0, state: { kind: 'queued' }, createdAt: 1, updatedAt: 1,
  };
}

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };
}

describe('session intent (fault row 20)', () => {
  it('is on disk before the create request, stays when the answer is lost, and the next create logs the possible orphan', async () => {
    const provider = new FakeProvider();
    const clock = new FakeClock();
    const log = recordingLog();
    const rec = record();
    const writes: string[] = [];
    const persist = async (): Promise<void> => { writes.push(JSON.stringify(rec)); };
    provider.failNext('create', new FerryError('network', 'connection reset'));
    await expect(createRecorded(rec, { provider, clock, log }, job, new AbortController().signal, persist)).rejects.toThrow('connection reset');
    // Written before the request went out; the lost answer leaves it standing.
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0]!).creating).toEqual({ at: clock.now() });
    expect(rec.creating).toBeDefined();
    expect(log.warnings).toEqual([]);

    const session = await createRecorded(rec, { provider, clock, log }, job, new AbortController().signal, persist);
    expect(session.ref).toEqual({ id: 'fs-1' });
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/no recorded answer/);
    // Cleared once answered, so the caller's next write records the session instead.
    expect(rec.creating).toBeUndefined();
  });

  it('the crash hook fires only after the provider answered a create; other calls reach the provider unchanged', async () => {
    const provider = new FakeProvider();
    const kills: number[] = [];
    const hooked = withCrashHook(provider.factory(), 'after-create-before-persist', () => kills.push(provider.sessions.size))({} as never);
    const s = await hooked.create(job, new AbortController().signal);
    // Killed with the session made on the server (one session at the time of the kill).
    expect(kills).toEqual([1]);
    expect(await hooked.status(s, job, new AbortController().signal)).toEqual({ kind: 'offset', offset: 0 });
    expect(hooked.rules).toBe(provider.rules);
    // Unset or another value: the factory itself.
    const f = provider.factory();
    expect(withCrashHook(f, undefined)).toBe(f);
    expect(withCrashHook(f, 'elsewhere')).toBe(f);
  });
});

describe('reported remote paths (fault row 37)', () => {
  it.each([
    ['/a/../etc/passwd', 'segment'], ['/a//etc/passwd', 'segment'], ['/a/..', 'segment'], ['/a/.', 'segment'], ['etc/passwd', 'absolute'],
    ['/a/C:\\x', 'backslash'], ['/\\\\server\\share', 'backslash'], ['/C:/x', 'drive'], ['/a/b\u0000c', 'control'], ['/a/\u001b[31mred', 'control'],
    ['/a/evil\u202enib.exe', 'bidi'], [42, 'absolute'],
  ] as [unknown, string][])('%j is not a plain path (%s)', (p, why) => {
    expect(notPlainPath(p)).toContain(why);
  });

  it.each(['/a/b.bin', '/a/b (1).bin', '/syn123/folder/data.csv', '/1/home/ünïcødé.txt', '/a/b:c'])('%j is a plain path', (p) => {
    expect(notPlainPath(p)).toBeUndefined();
  });
});
