// The CLI, the headless host and the desktop app share $FERRY_HOME. A process must leave alone
// the transfers of targets it does not know (another `ferry upload`'s endpoint): not list them
// as failed, not touch their records.
import { afterEach, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../../app/node/file-journal.js';
import { createRuntime } from '../../app/runtime/runtime.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { JOURNAL_SCHEMA } from '../../app/engine/journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it("another process's transfers are neither listed nor touched", async () => {
  const home = mkdtempSync(join(tmpdir(), 'ferry-shared-'));
  dirs.push(home);
  const quiet = { info() {}, warn() {}, error() {} };
  await new FileJournal(home, quiet).put({
    v: JOURNAL_SCHEMA, id: 'tclirecord', targetId: 'cli-0123456789ab', provider: 'ucloud', localPath: '/data/x.bin', remotePath: '/x.bin',
    conflict: 'rename', fingerprint: { size: 10, mtimeNs: '1', headTail: 'ab' }, chunkSize: 1, offset: 4,
    state: { kind: 'uploading', offset: 4 }, createdAt: 1, updatedAt: 1,
  });
  const runtime = await createRuntime({ home, targets: new MemoryTargetStore([]), settings: { autoResume: true } });
  try {
    expect(runtime.engine.list()).toEqual([]);
  } finally {
    await runtime.close();
  }
  const [rec] = await new FileJournal(home, quiet).load();
  expect(rec).toMatchObject({ id: 'tclirecord', offset: 4, state: { kind: 'uploading', offset: 4 } });
  expect(readdirSync(join(home, 'transfers'))).toEqual(['tclirecord.json']);
});
