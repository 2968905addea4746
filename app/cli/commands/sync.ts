// `ferry sync <dir>`: uploads everything under <dir> that is not yet on the target, then keeps
// watching and uploads new and changed files once they have finished being written. Runs until
// SIGINT/SIGTERM; started again, it uploads exactly what changed while it was off (the sync
// index lives in $FERRY_HOME/sync/<folder id>). Local deletions are never propagated.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { checkRemotePath } from '../../common/remote-path.js';
import { escapeControls } from '../../common/terminal-text.js';
import { secretRoots } from '../../common/secret-paths.js';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { toErrorInfo } from '../../common/errors.js';
import { PROVIDER_IDS } from '../../common/transfer.js';
import type { TargetConfig } from '../../engine/engine-api.js';
import { ferryHome } from '../../runtime/ferry-home.js';
import { effectiveBwLimit } from '../saved-bwlimit.js';
import { createRuntime } from '../../runtime/runtime.js';
import { MemoryTargetStore } from '../../runtime/target-stores.js';
import { createWatcher } from '../../runtime/watcher-select.js';
import { clientEntry } from '../../providers/registry.js';
import { describeSyncEvent, SYNC_DELETION_NOTE, type SyncEvent } from '../../sync/sync-events.js';
import { folderIdFor, SyncFolder } from '../../sync/sync-folder.js';
import { BWLIMIT_HELP, bwlimitOption, endpointSchemeError, intOption, keyValues, one, parseArgs, UsageError, type ParsedArgs } from '../args.js';
import type { BwTimetable } from '../../common/bwlimit-schedule.js';

const HELP = `Usage: ferry sync <dir> --provider <id> --endpoint <url> [--token <t>] --dest <remote dir> [--json]
                  [--option key=value]... [--ignore <pattern>]... [--settle-ms N] [--max-wait-ms N]
                  [--watcher parcel|chokidar] [--chunk-size N] [--bwlimit RATE|TIMETABLE]
  Uploads every file under <dir> that is not yet on the target, then watches <dir> and uploads
  new and changed files once they have not changed for the settle window (default 2000 ms).
  Changed files replace the remote copy (a new version where the provider keeps versions).
  Deleting a local file never deletes anything on the target.
  --ignore      extra gitignore-style rule (also read from <dir>/.ferryignore)
  --token       bearer token; FERRY_TOKEN may be used instead (tokens are never printed)
${BWLIMIT_HELP}  providers:    ${PROVIDER_IDS.join(', ')}
`;

interface Parsed {
  dir: string;
  provider: string;
  endpoint: string;
  token: string;
  dest: string;
  options: Record<string, string>;
  ignore: string[];
  settleMs?: number;
  maxWaitMs?: number;
  chunkSize?: number;
  bwlimit?: BwTimetable;
  watcher?: string;
  json: boolean;
}

function parse(args: string[]): Parsed | 'help' {
  const p: ParsedArgs = parseArgs(args, {
    values: ['provider', 'endpoint', 'token', 'dest', 'option', 'ignore', 'settle-ms', 'max-wait-ms', 'watcher', 'chunk-size', 'bwlimit'],
    flags: ['json', 'help'],
  });
  if (p.flags.has('help')) return 'help';
  if (p.positional.length !== 1) throw new UsageError(p.positional.length === 0 ? 'no folder given' : 'give exactly one folder');
  const provider = one(p, 'provider');
  const endpoint = one(p, 'endpoint');
  const token = one(p, 'token') ?? process.env.FERRY_TOKEN;
  const dest = one(p, 'dest');
  if (!provider) throw new UsageError('--provider is required');
  if (!endpoint) throw new UsageError('--endpoint is required');
  if (!token) throw new UsageError('no token: pass --token or set FERRY_TOKEN');
  if (!dest) throw new UsageError('--dest is required (the remote folder, e.g. /Footage)');
  try {
    checkRemotePath(dest, '--dest');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  try {
    new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint is not a URL: ${endpoint}`);
  }
  const scheme = endpointSchemeError(endpoint);
  if (scheme) throw new UsageError(scheme);
  const watcher = one(p, 'watcher');
  if (watcher !== undefined && watcher !== 'parcel' && watcher !== 'chokidar') throw new UsageError(`--watcher must be parcel or chokidar, got '${watcher}'`);
  const parsed: Parsed = {
    dir: resolve(p.positional[0]!), provider, endpoint, token,
    dest: dest.startsWith('/') ? dest : `/${dest}`,
    options: keyValues(p, 'option'), ignore: p.values.ignore ?? [], json: p.flags.has('json'),
  };
  const settleMs = intOption(p, 'settle-ms');
  const maxWaitMs = intOption(p, 'max-wait-ms');
  const chunkSize = intOption(p, 'chunk-size');
  if (settleMs !== undefined) parsed.settleMs = settleMs;
  if (maxWaitMs !== undefined) parsed.maxWaitMs = maxWaitMs;
  if (chunkSize !== undefined) parsed.chunkSize = chunkSize;
  const bwlimit = bwlimitOption(p);
  if (bwlimit) parsed.bwlimit = bwlimit;
  if (watcher !== undefined) parsed.watcher = watcher;
  return parsed;
}

/** JSON lines for --json: the event itself, with `event` naming its type. */
function jsonLine(e: SyncEvent): string {
  const { type, ...rest } = e;
  return `${JSON.stringify({ event: type, ...rest })}\n`;
}

export async function run(args: string[]): Promise<number> {
  let o: Parsed;
  try {
    const r = parse(args);
    if (r === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    o = r;
    clientEntry(o.provider);
    const st = await stat(o.dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new UsageError(`${o.dir} is not a folder`);
  } catch (e) {
    process.stderr.write(`ferry sync: ${(e as Error).message}\n${e instanceof UsageError ? `\n${HELP}` : ''}`);
    return 2;
  }

  const idKey = JSON.stringify([o.provider, o.endpoint, Object.entries(o.options).sort()]);
  const target: TargetConfig = {
    id: `cli-${createHash('sha256').update(idKey).digest('hex').slice(0, 12)}`,
    name: `${o.provider} ${new URL(o.endpoint).host}`,
    provider: o.provider as TargetConfig['provider'], url: o.endpoint, token: o.token, options: o.options,
    conflict: 'replace', remoteRoot: o.dest,
  };
  const home = ferryHome();
  const print = (e: SyncEvent): void => {
    if (o.json) {
      process.stdout.write(jsonLine(e));
      return;
    }
    // Queued and done lines are the output; problems go to stderr; the rest is noise on a terminal.
    // File names are escaped: a newline or escape code in one must not forge lines or drive the terminal.
    if (e.type === 'queued' || e.type === 'done' || e.type === 'unchanged') process.stdout.write(`${escapeControls(describeSyncEvent(e))}\n`);
    else if (e.type === 'failed' || e.type === 'error' || e.type === 'skipped' || e.type === 'watcher-restart' || e.type === 'watcher-gave-up') process.stderr.write(`ferry sync: ${escapeControls(describeSyncEvent(e))}\n`);
    else if (e.type === 'state' && e.state === 'watching') process.stderr.write(`ferry sync: watching ${o.dir} → ${o.dest} (Ctrl-C to stop)\n`);
  };
  process.stderr.write(`ferry sync: note: ${SYNC_DELETION_NOTE}\n`);

  const bwlimit = await effectiveBwLimit(o.bwlimit, home, (l) => process.stderr.write(`ferry sync: ${escapeControls(l)}\n`));
  const runtime = await createRuntime({
    home,
    targets: new MemoryTargetStore([target]),
    settings: { autoResume: false, maxConcurrent: 2, ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}), ...(bwlimit ? { bwlimit } : {}) },
    echo: (level, msg) => process.stderr.write(`ferry sync: ${level}: ${msg}\n`),
  });
  const folder = new SyncFolder(
    {
      id: folderIdFor(o.dir, target.id, o.dest), root: o.dir, targetId: target.id, remoteDir: o.dest,
      stateDir: resolve(home, 'sync', folderIdFor(o.dir, target.id, o.dest)), ignore: o.ignore,
      // Credentials and Ferry's own state (its log and this index change after every upload) are never uploaded.
      denied: secretRoots({ platform: process.platform, home: homedir(), ferryHome: home }), ferryHome: home,
      stability: { ...(o.settleMs !== undefined ? { windowMs: o.settleMs } : {}), ...(o.maxWaitMs !== undefined ? { maxWaitMs: o.maxWaitMs } : {}) },
    },
    { engine: runtime.engine, watcher: await createWatcher(o.watcher), onEvent: print, log: (l) => runtime.log.warn(l, { topic: 'sync' }) },
  );

  let stopping: Promise<number> | undefined;
  const stop = (): Promise<number> => {
    stopping ??= (async () => {
      await folder.stop();
      await runtime.close();
      return 0;
    })();
    return stopping;
  };
  const stopped = new Promise<number>((done) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (!o.json) process.stderr.write('ferry sync: stopping; the next run picks up where this one left off\n');
      void stop().then(done, () => done(1));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  try {
    await folder.start();
  } catch (e) {
    process.stderr.write(`ferry sync: ${toErrorInfo(e).message}\n`);
    await stop();
    return 1;
  }
  return stopped;
}
