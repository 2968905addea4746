// Records written by an earlier Ferry kept a pending cancel as a boolean beside the state
// (`cancelPending`); they must still load, as the state that replaced it.
import { createHash } from 'node:crypto';
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { upgradeRecord, type JournalRecord, type StoredRecord } from '../../app/engine/journal.js';
import { FileJournal } from '../../app/node/file-journal.js';

const base: JournalRecord = {
  v: 1, id: 'tlegacy0001', targetId: 't-tus', provider: 'tus', localPath: '/tmp/a.bin', remotePath: '/a.bin', conflict: 'rename',
  fingerprint: { size: 10, mtimeNs: '1', headTail: 'x' }, chunkSize: 5, offset: 5,
  session: { ref: { url: 'http://127.0.0.1:1/files/abc' }, chunkSize: 5, createdAt: 1 },
  state: { kind: 'cancelled', sessionDeleted: false, note: 'offline' }, createdAt: 1, updatedAt: 2,
};
const quiet = { info() {}, warn() {}, error() {} };
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('journal records of the previous version', () => {
  it('a cancelPending boolean becomes a cancelled state whose delete is pending', () => {
    const old: StoredRecord = { ...base, cancelPending: true };
    const r = upgradeRecord(old);
    expect(r.state).toEqual({ kind: 'cancelled', sessionDeleted: false, note: 'offline', deletePending: true });
    expect('cancelPending' in r).toBe(false);
    expect(upgradeRecord(r)).toEqual(r);
  });

  it('cancelPending false (or on a state that is not cancelled) is dropped and nothing else changes', () => {
    expect(upgradeRecord({ ...base, cancelPending: false })).toEqual(base);
    const paused: JournalRecord = { ...base, state: { kind: 'paused', offset: 5 } };
    expect(upgradeRecord({ ...paused, cancelPending: true })).toEqual(paused);
  });

  it('an old record on disk loads through the file journal and upgrades', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-journal-old-'));
    const body = JSON.stringify({ ...base, cancelPending: true });
    await fsp.mkdir(join(dir, 'transfers'), { recursive: true });
    await fsp.writeFile(join(dir, 'transfers', `${base.id}.json`), `{"sha256":"${createHash('sha256').update(body).digest('hex')}","record":${body}}\n`);
    const [loaded] = await new FileJournal(dir, quiet).load();
    expect(loaded).toBeDefined();
    expect(upgradeRecord(loaded!).state).toEqual({ kind: 'cancelled', sessionDeleted: false, note: 'offline', deletePending: true });
  });
});
