// `ferry retry <id>...|--all`: re-queues failed transfers and uploads them now, with the same
// progress as `ferry upload`. Only for accounts Ferry keeps; a `ferry upload` endpoint's token is
// not stored, so that command is the way to retry it.
import { explainError } from '../../common/error-words.js';
import type { TransferView } from '../../common/transfer.js';
import { ferryHome } from '../../runtime/ferry-home.js';
import { createRuntime, homeTargets } from '../../runtime/runtime.js';
import { selectTransfers } from '../journal-select.js';
import { blockProgress, plainProgress } from '../progress.js';

const HELP = `Usage: ferry retry <id>... | --all
  Uploads failed transfers again (ids as ferry status prints them; a unique prefix is enough).
`;

export async function run(args: string[]): Promise<number> {
  const sel = await selectTransfers('retry', args, HELP, (r) => r.state.kind === 'failed');
  if (typeof sel === 'number') return sel;
  const { chosen } = sel;
  const home = ferryHome();
  const targets = homeTargets(home);
  let skipped = 0;
  const ids: string[] = [];
  for (const r of chosen) {
    if (await targets.get(r.targetId)) ids.push(r.id);
    else {
      skipped++;
      process.stderr.write(`ferry retry: ${r.localPath} was uploaded with \`ferry upload\`, whose token Ferry does not keep; run that command again to retry it\n`);
    }
  }
  if (ids.length === 0) {
    if (chosen.length === 0) process.stdout.write('Nothing to retry: no failed transfers.\n');
    return skipped > 0 ? 1 : 0;
  }
  const runtime = await createRuntime({ home, targets, settings: { autoResume: false } });
  const out = process.stderr.isTTY ? blockProgress(process.stderr) : plainProgress(process.stderr);
  const mine = (): TransferView[] => runtime.engine.list().filter((v) => ids.includes(v.id));
  const off = runtime.engine.onChange(() => out.update(mine()));
  for (const id of ids) await runtime.engine.retry(id);
  const results = await Promise.all(ids.map((id) => runtime.engine.settled(id)));
  off();
  for (const v of results) {
    if (v.state.kind !== 'failed') continue;
    const w = explainError(v.state.error);
    out.line(`ferry retry: ${v.localPath}: ${w.summary} (${v.state.error.message})\n  ${w.advice}`);
  }
  out.finish(mine());
  await runtime.close();
  return results.some((v) => v.state.kind !== 'done') || skipped > 0 ? 1 : 0;
}
