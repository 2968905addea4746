// Child for the journal kill test: rewrites one record forever with a growing counter,
// printing "ready" after the first write. The parent SIGKILLs it at random moments.
import { FileJournal } from '../../app/node/file-journal.js';
import { JOURNAL_SCHEMA, type JournalRecord } from '../../app/engine/journal.js';

const home = process.argv[2]!;
const log = { info() {}, warn() {}, error() {} };
const j = new FileJournal(home, log);
const pad = 'x'.repeat(2000);
// Continue from what the journal holds, so the parent can check the offset never goes back.
let n = ((await j.load())[0]?.offset ?? -1) + 1;
const first = n;
for (;;) {
  const rec: JournalRecord = {
    v: JOURNAL_SCHEMA, id: 'tkill', targetId: 't', provider: 'ucloud', localPath: `/tmp/f-${pad}`, remotePath: '/f',
    conflict: 'rename', fingerprint: { size: 10, mtimeNs: '1', headTail: 'x' }, chunkSize: 1, offset: n++,
    state: { kind: 'uploading', offset: n }, createdAt: 1, updatedAt: n,
  };
  await j.put(rec);
  if (n === first + 1) process.stdout.write('ready\n');
}
