// `ferry clear`: drops finished transfers (done and cancelled; failed too with --failed) from
// the journal, as the window's "Clear finished" does. Never touches files or servers.
import { isDeletePending } from '../../common/transfer.js';
import { ferryHome } from '../../runtime/ferry-home.js';
import { parseArgs } from '../args.js';
import { loadJournal } from '../journal-select.js';

const HELP = `Usage: ferry clear [--failed]
  Removes done and cancelled transfers from the list; --failed removes failed ones as well.
`;

export async function run(args: string[]): Promise<number> {
  let p;
  try {
    p = parseArgs(args, { flags: ['failed', 'help'] });
  } catch (e) {
    process.stderr.write(`ferry clear: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (p.flags.has('help')) return void process.stdout.write(HELP), 0;
  const { records, journal, warnings } = await loadJournal(ferryHome());
  for (const w of warnings) process.stderr.write(`ferry clear: warning: ${w}\n`);
  const kinds = new Set(['done', 'cancelled', ...(p.flags.has('failed') ? ['failed'] : [])]);
  const gone = records.filter((r) => kinds.has(r.state.kind) && !isDeletePending(r.state));
  for (const r of gone) await journal.remove(r.id);
  process.stdout.write(gone.length === 0 ? 'Nothing to clear.\n' : `Cleared ${gone.length} finished transfer${gone.length === 1 ? '' : 's'}.\n`);
  return warnings.length > 0 ? 3 : 0;
}
