// `ferry diagnose`: writes the diagnostics bundle (app/runtime/diagnostics.ts) for a bug report
// and says where it is. --offline skips the connection tests; --stdout prints it instead.
import { ferryHome } from '../../runtime/ferry-home.js';
import { collectDiagnostics, writeDiagnostics, type DiagnosticsInput } from '../../runtime/diagnostics.js';
import { FileTargetStore } from '../../runtime/target-stores.js';
import { testConnection } from '../../service/test-connection.js';
import { one, parseArgs } from '../args.js';

const HELP = `Usage: ferry diagnose [--out DIR] [--offline] [--stdout]
  Writes ferry-diagnostics-<time>.json (versions, OS, accounts without credentials, the journal
  summary, recent log lines, each account's connection test) to attach to a bug report.
  Tokens, signed URLs and upload session references are removed.
`;

export async function run(args: string[]): Promise<number> {
  let p;
  try {
    p = parseArgs(args, { values: ['out'], flags: ['offline', 'stdout', 'help'] });
  } catch (e) {
    process.stderr.write(`ferry diagnose: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (p.flags.has('help')) return void process.stdout.write(HELP), 0;
  const home = ferryHome();
  const input: DiagnosticsInput = {
    home, version: process.env.npm_package_version ?? '0.1.0', shell: 'cli', targets: await new FileTargetStore(home).list(),
    ...(p.flags.has('offline') ? {} : { test: (t) => testConnection(t, 3_000) }),
  };
  if (p.flags.has('stdout')) {
    process.stdout.write(`${(await collectDiagnostics(input)).text}\n`);
    return 0;
  }
  const path = await writeDiagnostics(input, one(p, 'out') ?? process.cwd());
  process.stdout.write(`Wrote ${path}\nAttach it to the bug report; tokens and signed URLs have been removed (have a look before you send it).\n`);
  return 0;
}
