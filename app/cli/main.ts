// `ferry` command dispatcher. Each command lives in commands/<name>.ts and exports
// `run(args): Promise<number>` (the exit code).
import { run as cancel } from './commands/cancel.js';
import { run as clear } from './commands/clear.js';
import { run as diagnose } from './commands/diagnose.js';
import { run as emulate } from './commands/emulate.js';
import { run as host } from './commands/host.js';
import { run as retry } from './commands/retry.js';
import { run as status } from './commands/status.js';
import { run as sync } from './commands/sync.js';
import { run as upload } from './commands/upload.js';
import { run as remote } from './commands/remote.js';

const commands: Record<string, (args: string[]) => Promise<number>> = { upload, status, retry, cancel, clear, diagnose, emulate, host, sync, remote };

const USAGE = `Usage: ferry <command> [options]

Commands:
  upload <file...> --provider <id> --endpoint <url> [--token <t>] [--dest <remote path>] [--chunk-size N] [--json]
  status [--json]                  what the resume journal holds
  retry <id>... | --all            upload failed transfers again
  cancel <id>... | --all           cancel transfers (deleting the server session where possible)
  clear [--failed]                 drop finished transfers from the list
  diagnose [--out DIR] [--offline] write a diagnostics file for a bug report (no secrets)
  sync <dir> --provider <id> --endpoint <url> [--token <t>] --dest <remote dir> [--json]
  host [--port N] [--chunk-size N] [--allow-root DIR]... [--new-token] [--no-sandbox] [--bind ADDR --allow-remote]
                                   the headless host: engine + web UI on loopback
  emulate <provider> [--port N] [--data-dir DIR] [--discard] [--tls (onedrive)] [--token-ttl 2s]
  remote add|list|show|remove|reconnect   named accounts that stay signed in (ferry remote --help)

Providers: ucloud, redivis, synapse, onedrive, box, tus
Environment: FERRY_TOKEN (instead of --token), FERRY_HOME (state directory), NO_COLOR

Exit codes:
  0    everything asked for was done
  1    a transfer failed, or a transfer named was not found
  2    usage error (bad option, missing argument, bad input)
  3    done, but part of the journal was damaged and set aside (see ferry diagnose)
  70   internal error (please send ferry diagnose output)
  130  interrupted (Ctrl-C); run the same command again to resume
`;

// \`ferry status | head\`: a reader that goes away is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`ferry: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  return cmd(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`ferry: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
