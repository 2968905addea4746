// Finding transfers in the journal for `ferry retry|cancel|clear`: by id or a unique id prefix
// (as `ferry status` prints them), or all of them with --all.
import { FileJournal } from '../node/file-journal.js';
import { ferryHome as home } from '../runtime/ferry-home.js';
import { parseArgs } from './args.js';
import { upgradeRecord, type JournalRecord, type StoredRecord } from '../engine/journal.js';

export interface Selection {
  records: JournalRecord[];
  journal: FileJournal;
  warnings: string[];
}

export async function loadJournal(home: string): Promise<Selection> {
  const warnings: string[] = [];
  const journal = new FileJournal(home, { info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) });
  // Records written by an earlier version are read as the engine reads them.
  return { records: (await journal.load()).map((r) => upgradeRecord(r as StoredRecord)), journal, warnings };
}

/** Records matching each id (exact or unique prefix); throws naming the id that matched none or many. */
export function pick(records: JournalRecord[], ids: string[]): JournalRecord[] {
  return ids.map((id) => {
    const exact = records.find((r) => r.id === id);
    if (exact) return exact;
    const hits = records.filter((r) => r.id.startsWith(id));
    if (hits.length === 1) return hits[0]!;
    throw new Error(hits.length === 0 ? `no transfer ${id} in the journal (see ferry status)` : `${id} matches ${hits.length} transfers; give more of the id`);
  });
}

/** `ferry <cmd> <id>... | --all`: the records asked for, or the exit code after saying why not. */
export async function selectTransfers(cmd: string, args: string[], help: string, keep: (r: JournalRecord) => boolean): Promise<(Selection & { chosen: JournalRecord[] }) | number> {
  let p;
  try {
    p = parseArgs(args, { flags: ['all', 'help'] });
    if (!p.flags.has('help') && !p.flags.has('all') && p.positional.length === 0) throw new Error('give transfer ids or --all');
  } catch (e) {
    process.stderr.write(`ferry ${cmd}: ${(e as Error).message}\n${help}`);
    return 2;
  }
  if (p.flags.has('help')) return void process.stdout.write(help), 0;
  const sel = await loadJournal(home());
  try {
    return { ...sel, chosen: (p.flags.has('all') ? sel.records : pick(sel.records, p.positional)).filter(keep) };
  } catch (e) {
    process.stderr.write(`ferry ${cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}
