// Fault catalogue row 23 through the real engine: the disk fills up while the engine persists
// upload progress. The journal port is wrapped by the rig's RecordingJournal, whose `failPut`
// throws the error Node gives for a full disk (ENOSPC / EDQUOT) without touching the file.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../app/common/transfer.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function fsError(code: string): Error {
  return Object.assign(new Error(`${code}: no space left on device, write`), { code, errno: -28, syscall: 'write' });
}

describe('row 23: disk full while persisting progress', () => {
  it.each([['tus', 'ENOSPC'], ['onedrive', 'ENOSPC'], ['redivis', 'EDQUOT']] as [ProviderId, string][])('%s (%s): the saved state stays intact, the item is not done and says "disk full"; a retry finishes once space returns', async (id, code) => {
    rig = await startRig(id);
    const cs = rig.c.chunkSize;
    const size = 4 * cs;
    const p = await rig.makeFile('full.bin', size);
    rig.journal.failPut = (r) => (r.offset >= 2 * cs ? fsError(code) : undefined);
    const t = await rig.add(p);
    const v = await rig.engine.settled(t.id);
    expect(v.state.kind).toBe('failed');
    if (v.state.kind !== 'failed') return;
    expect(v.state.error.code).toBe('disk-full');
    expect(v.state.error.message).toMatch(/disk is full/);
    expect(v.state.error.message).toContain(p);
    // The file on disk is the last write that succeeded, still valid, and not 'done'.
    const last = rig.journal.written.get(t.id)!.at(-1)!;
    const env = JSON.parse(await fsp.readFile(join(rig.home, 'transfers', `${t.id}.json`), 'utf8')) as { record: typeof last };
    expect(env.record).toEqual(last);
    expect(last.state.kind).not.toBe('done');
    expect(last.session).toBeDefined();
    // Space comes back: the same session carries on; at most the unconfirmed chunk is sent again.
    rig.journal.failPut = undefined;
    await rig.engine.retry(t.id);
    const done = await rig.engine.settled(t.id);
    expect(done.state.kind, JSON.stringify(done.state)).toBe('done');
    expect(rig.sessions(t.id)).toHaveLength(1);
    expect(rig.received()).toBeLessThanOrEqual(size + cs);
    await rig.check();
  });

  it.each(['tus', 'box', 'synapse'] as ProviderId[])('%s: the disk is full when the finished state is written: a relaunch never resumes (or re-uploads) the finished upload', async (id) => {
    rig = await startRig(id);
    const p = await rig.makeFile('finished.bin', 2 * rig.c.chunkSize + 5);
    rig.journal.failPut = (r) => (r.state.kind === 'done' ? fsError('ENOSPC') : undefined);
    const v = await rig.upload(p);
    expect(v.state.kind).toBe('done');
    rig.journal.failPut = undefined;
    const requests = rig.http.records.length;
    await rig.restartEngine();
    // Give a wrongly resumed transfer time to show itself.
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.http.records.slice(requests).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect(rig.emu.stats().sessionsCreated).toBe(1);
    expect(await rig.emu.files()).toHaveLength(1);
    expect(rig.engine.list().filter((x) => x.state.kind !== 'done')).toEqual([]);
    await rig.check();
  });
});
