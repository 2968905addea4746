// `ferry upload <file...>`: uploads files to one provider endpoint and exits 0 when every file
// is done. Killed at any moment, the same command resumes from the journal in $FERRY_HOME.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mayBeUndecodable, NOT_UTF8 } from '../../common/file-names.js';
import { escapeControls } from '../../common/terminal-text.js';
import { posix, resolve, basename } from 'node:path';
import { explainError } from '../../common/error-words.js';
import { toErrorInfo } from '../../common/errors.js';
import { checkRemotePath } from '../../common/remote-path.js';
import { PROVIDER_IDS, type ConflictPolicy, type TransferView } from '../../common/transfer.js';
import type { TargetConfig } from '../../engine/engine-api.js';
import { ferryHome } from '../../runtime/ferry-home.js';
import { createRuntime } from '../../runtime/runtime.js';
import { MemoryTargetStore } from '../../runtime/target-stores.js';
import { clientEntry } from '../../providers/registry.js';
import { BWLIMIT_HELP, bwlimitOption, endpointSchemeError, intOption, keyValues, one, parseArgs, UsageError } from '../args.js';
import type { BwTimetable } from '../../common/bwlimit-schedule.js';
import { blockProgress, jsonProgress, plainProgress, type ProgressOutput } from '../progress.js';
import { remoteDest } from './remote-target.js';
import { effectiveBwLimit } from '../saved-bwlimit.js';

const HELP = `Usage: ferry upload <file...> REMOTE:<remote path>   (a remote from \`ferry remote add\`)
       ferry upload <file...> --provider <id> --endpoint <url> [--token <t>] [--dest <remote path>]
                    [--chunk-size N] [--conflict rename|replace|fail] [--option key=value]... [--bwlimit RATE|TIMETABLE] [--json]
  --dest        remote file path for one file, or a remote folder ending in '/' (default '/')
  --token       bearer token; FERRY_TOKEN may be used instead (tokens are never printed)
${BWLIMIT_HELP}  providers:    ${PROVIDER_IDS.join(', ')}
  exit codes:   0 all uploaded · 1 something was not uploaded · 2 usage error, or no file could be queued
                3 all uploaded, but a damaged journal record was set aside · 130 interrupted (run it again to resume)
`;

export async function run(args: string[]): Promise<number> {
  let p;
  try {
    p = parseArgs(args, { values: ['provider', 'endpoint', 'token', 'dest', 'chunk-size', 'conflict', 'option', 'retries', 'bwlimit'], flags: ['json', 'help'] });
    if (p.flags.has('help')) {
      process.stdout.write(HELP);
      return 0;
    }
    if (p.positional.length === 0) throw new UsageError('no files given');
  } catch (e) {
    process.stderr.write(`ferry upload: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const fail = (msg: string): number => {
    process.stderr.write(`ferry upload: ${escapeControls(msg)}\n`);
    return 2;
  };
  // `ferry upload big.iso box:Footage/`: the last argument names a remote.
  const named = one(p, 'provider') === undefined && p.positional.length > 1 ? await remoteDest(ferryHome(), p.positional.at(-1)) : undefined;
  if (named) {
    p.positional.pop();
    p.values.provider = [named.target.provider];
    p.values.endpoint = [named.target.url];
    p.values.dest = [named.dest];
  }
  const provider = one(p, 'provider');
  const endpoint = one(p, 'endpoint');
  // A remote's target carries no real token: the account's Http supplies it.
  const token = named ? named.target.token : one(p, 'token') ?? process.env.FERRY_TOKEN;
  if (!provider) return fail('--provider is required');
  if (!endpoint) return fail('--endpoint is required');
  if (!named && !token) return fail('no token: pass --token or set FERRY_TOKEN');
  try {
    clientEntry(provider);
    new URL(endpoint);
  } catch (e) {
    return fail((e as Error).message.startsWith('unknown provider') ? (e as Error).message : `--endpoint is not a URL: ${endpoint}`);
  }
  const scheme = endpointSchemeError(endpoint);
  if (scheme) return fail(scheme);
  const conflict = (one(p, 'conflict') ?? 'rename') as ConflictPolicy;
  if (!['rename', 'replace', 'fail'].includes(conflict)) return fail(`--conflict must be rename, replace or fail, got '${conflict}'`);
  let chunkSize: number | undefined;
  let retries: number | undefined;
  let options: Record<string, string>;
  let bwlimit: BwTimetable | undefined;
  try {
    bwlimit = bwlimitOption(p);
    chunkSize = intOption(p, 'chunk-size');
    if (chunkSize === 0) throw new Error('--chunk-size must be a positive number of bytes, got 0');
    retries = intOption(p, 'retries');
    options = keyValues(p, 'option');
  } catch (e) {
    return fail((e as Error).message);
  }
  const dest = one(p, 'dest') ?? '/';
  try {
    checkRemotePath(dest, '--dest');
  } catch (e) {
    return fail((e as Error).message);
  }
  const files = p.positional.map((f) => resolve(f));
  const remoteOf = (f: string): string =>
    dest.endsWith('/') || files.length > 1 ? posix.join(dest.startsWith('/') ? dest : `/${dest}`, basename(f)) : dest.startsWith('/') ? dest : `/${dest}`;

  const idKey = JSON.stringify([provider, endpoint, Object.entries(options).sort()]);
  const target: TargetConfig = named ? { ...named.target, options: { ...named.target.options, ...options }, conflict, remoteRoot: dest } : {
    id: `cli-${createHash('sha256').update(idKey).digest('hex').slice(0, 12)}`,
    name: `${provider} ${new URL(endpoint).host}`,
    provider: provider as TargetConfig['provider'], url: endpoint, token: token ?? '', options, conflict, remoteRoot: dest,
  };
  const json = p.flags.has('json');
  const out: ProgressOutput = json ? jsonProgress((s) => process.stdout.write(s)) : process.stderr.isTTY ? blockProgress(process.stderr) : plainProgress(process.stderr);
  const home = ferryHome();
  bwlimit = await effectiveBwLimit(bwlimit, home, (l) => out.line(`ferry upload: ${l}`));
  const runtime = await createRuntime({
    home,
    targets: new MemoryTargetStore([target]),
    settings: { autoResume: false, maxConcurrent: 1, ...(chunkSize !== undefined ? { chunkSize } : {}), ...(bwlimit ? { bwlimit } : {}), retry: { ...retryOverrides(), ...(retries !== undefined ? { maxAttempts: retries } : {}) } },
    ...(Number(process.env.FERRY_IDLE_TIMEOUT_MS) > 0 ? { idleTimeoutMs: Number(process.env.FERRY_IDLE_TIMEOUT_MS) } : {}),
    echo: (_level, msg, fields) => {
      if (fields?.topic !== 'journal') return;
      warnings++;
      out.line(`ferry upload: warning: ${msg}`);
    },
  });
  const { engine } = runtime;
  let badInput = 0;
  let warnings = 0;
  const ids: string[] = [];
  // A refusal that is the target's, not the file's (a provider option missing), is the same for
  // every file: said once, with how many files it held back.
  const refusals = new Map<string, number>();
  const refuse = (msg: string): void => {
    badInput++;
    refusals.set(msg, (refusals.get(msg) ?? 0) + 1);
  };
  for (const f of files) {
    if (mayBeUndecodable(f) && !existsSync(f)) {
      // The shell passed bytes that are not UTF-8; Node's argv replaced them, so this name opens nothing.
      refuse(`${f}: skipped: ${NOT_UTF8}`);
      continue;
    }
    try {
      const [v] = await engine.add({ targetId: target.id, items: [{ localPath: f, remotePath: remoteOf(f) }] });
      if (v) ids.push(v.id);
    } catch (e) {
      refuse(toErrorInfo(e).message);
    }
  }
  for (const [msg, n] of refusals) out.line(`ferry upload: ${msg}${n > 1 ? ` (${n} files)` : ''}`);
  const mine = (): TransferView[] => engine.list().filter((v) => ids.includes(v.id));
  out.update(mine());
  const unsubscribe = engine.onChange(() => out.update(mine()));
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    void runtime.close().then(() => {
      out.interrupt('ferry upload: interrupted; run the same command again to resume');
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results = await Promise.all(ids.map((id) => engine.settled(id)));
  unsubscribe();
  let failed = 0;
  for (const v of results) {
    if (v.state.kind === 'failed') {
      failed++;
      const w = explainError(v.state.error);
      out.line(`ferry upload: ${v.localPath}: ${w.summary} (${v.state.error.message})`);
      out.line(`  ${w.advice}`);
    }
  }
  out.finish(mine(), badInput);
  await runtime.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // 2: bad input and nothing to upload (every file refused before any transfer). 1: something
  // was not uploaded. 3: everything was uploaded, but Ferry had to set aside a corrupt journal
  // record (a disk or crash problem worth a look).
  if (badInput > 0 && ids.length === 0) return 2;
  return failed + badInput > 0 ? 1 : warnings > 0 ? 3 : 0;
}

/** Test and tuning knobs: FERRY_RETRY_BASE_MS, FERRY_IDLE_TIMEOUT_MS. */
function retryOverrides(): { baseMs?: number; capMs?: number; jitterMs?: number } {
  const base = Number(process.env.FERRY_RETRY_BASE_MS);
  return Number.isFinite(base) && base > 0 ? { baseMs: base, capMs: base * 8, jitterMs: base } : {};
}
