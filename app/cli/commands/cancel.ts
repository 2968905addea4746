// `ferry cancel <id>...|--all`: cancels transfers from the journal. For an account Ferry keeps
// (the window's accounts) the engine deletes the server session; for a `ferry upload` endpoint,
// whose token is not stored, the record is marked cancelled and the session left to expire.
import { ferryHome } from '../../runtime/ferry-home.js';
import { createRuntime, homeTargets } from '../../runtime/runtime.js';
import { isDeletePending, isFinal } from '../../common/transfer.js';
import { selectTransfers } from '../journal-select.js';

const HELP = `Usage: ferry cancel <id>... | --all
  Cancels transfers (ids as ferry status prints them; a unique prefix is enough).
`;

export async function run(args: string[]): Promise<number> {
  const sel = await selectTransfers('cancel', args, HELP, (r) => !isFinal(r.state) || isDeletePending(r.state));
  if (typeof sel === 'number') return sel;
  const { chosen, journal } = sel;
  const home = ferryHome();
  const targets = homeTargets(home);
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
