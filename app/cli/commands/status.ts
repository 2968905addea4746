// `ferry status`: what the resume journal holds — queued, paused, failed with the reason.
import { explainError, providerName } from '../../common/error-words.js';
import { describeState, formatBytes } from '../../common/transfer.js';
import { ferryHome } from '../../runtime/ferry-home.js';
import { FileJournal } from '../../node/file-journal.js';
import { escapeControls } from '../../common/terminal-text.js';
import { parseArgs } from '../args.js';

export async function run(args: string[]): Promise<number> {
  let p;
  try {
    p = parseArgs(args, { flags: ['json'] });
  } catch (e) {
    process.stderr.write(`ferry status: ${(e as Error).message}\nUsage: ferry status [--json]\n`);
    return 2;
  }
  const warnings: string[] = [];
  const journal = new FileJournal(ferryHome(), {
    info() {},
    warn: (m) => warnings.push(m),
    error: (m) => warnings.push(m),
  });
  const records = await journal.load();
  for (const w of warnings) process.stderr.write(`ferry status: warning: ${escapeControls(w)}\n`);
  // A quarantined record is worth a non-zero exit: something damaged Ferry's state.
  const code = warnings.length > 0 ? 3 : 0;
  if (p.flags.has('json')) {
    for (const r of records) {
      process.stdout.write(JSON.stringify({ id: r.id, file: r.localPath, remotePath: r.remotePath, provider: r.provider, size: r.fingerprint.size, confirmed: r.offset, state: r.state }) + '\n');
    }
    return code;
  }
  if (records.length === 0) {
    process.stdout.write(`No transfers in ${ferryHome()}.\n`);
    return code;
  }
  for (const r of records) {
    const pct = r.fingerprint.size > 0 ? Math.floor((100 * r.offset) / r.fingerprint.size) : 0;
    const words = r.state.kind === 'failed' ? `Failed: ${explainError(r.state.error).summary}` : describeState(r.state);
    // Names and server messages are escaped: a newline or escape code in them must not forge lines or drive the terminal.
    process.stdout.write(`${escapeControls(`${r.id}  ${words}  ${pct}% of ${formatBytes(r.fingerprint.size)}  ${r.localPath} → ${providerName(r.provider)}:${r.remotePath}`)}\n`);
  }
  return code;
}
