// `ferry cancel <id>...|--all`: cancels transfers from the journal. For an account Ferry keeps
// (the window's accounts) the engine deletes the server session; for a `ferry upload` endpoint,
// whose token is not stored, the record is marked cancelled and the session left to expire.
import { ferryHome } from '../../runtime/ferry-home.js';
import { createRuntime } from '../../runtime/runtime.js';
import { FileTargetStore } from '../../runtime/target-stores.js';
import { isDeletePending, isFinal } from '../../common/transfer.js';
import { parseArgs } from '../args.js';
import { loadJournal, pick } from '../journal-select.js';

const HELP = `Usage: ferry cancel <id>... | --all
  Cancels transfers (ids as ferry status prints them; a unique prefix is enough).
`;

export async function run(args: string[]): Promise<number> {
  let p;
  try {
    p = parseArgs(args, { flags: ['all', 'help'] });
    if (!p.flags.has('help') && !p.flags.has('all') && p.positional.length === 0) throw new Error('give transfer ids or --all');
  } catch (e) {
    process.stderr.write(`ferry cancel: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (p.flags.has('help')) return void process.stdout.write(HELP), 0;
  const home = ferryHome();
  const { records, journal } = await loadJournal(home);
  let chosen;
  try {
    chosen = (p.flags.has('all') ? records : pick(records, p.positional)).filter((r) => !isFinal(r.state) || isDeletePending(r.state));
  } catch (e) {
    process.stderr.write(`ferry cancel: ${(e as Error).message}\n`);
    return 1;
  }
  const targets = new FileTargetStore(home);
  const known = [];
  for (const r of chosen) {
    if (await targets.get(r.targetId)) known.push(r);
    else {
      await journal.put({ ...r, state: { kind: 'cancelled', sessionDeleted: false, note: 'server session left to expire' } });
      process.stdout.write(`Cancelled ${r.localPath} (the server keeps the partial upload until it expires)\n`);
    }
  }
  if (known.length > 0) {
    const runtime = await createRuntime({ home, targets, settings: { autoResume: false } });
    try {
      for (const r of known) {
        await runtime.engine.cancel(r.id);
        const v = runtime.engine.get(r.id);
        process.stdout.write(`Cancelled ${r.localPath}${v?.state.kind === 'cancelled' && v.state.sessionDeleted ? ' (server session deleted)' : ''}\n`);
      }
    } finally {
      await runtime.close();
    }
  }
  if (chosen.length === 0) process.stdout.write('Nothing to cancel.\n');
  return 0;
}
