import { parseBwLimit, type BwTimetable } from '../common/bwlimit-schedule.js';

// Minimal argument parsing shared by the commands: `--name value`, `--name=value`, flags, and
// repeatable options; anything unknown is an error naming the option.
export interface ParsedArgs {
  positional: string[];
  values: Record<string, string[]>;
  flags: Set<string>;
}

export class UsageError extends Error {}

export function parseArgs(args: string[], spec: { values?: string[]; flags?: string[] }): ParsedArgs {
  const values = new Set(spec.values ?? []);
  const flags = new Set(spec.flags ?? []);
  const out: ParsedArgs = { positional: [], values: {}, flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (flags.has(name)) {
      out.flags.add(name);
      continue;
    }
    if (!values.has(name)) throw new UsageError(`unknown option --${name}`);
    const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (v === undefined) throw new UsageError(`--${name} needs a value`);
    (out.values[name] ??= []).push(v);
  }
  return out;
}

export function one(p: ParsedArgs, name: string): string | undefined {
  return p.values[name]?.at(-1);
}

export function intOption(p: ParsedArgs, name: string): number | undefined {
  const v = one(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got '${v}'`);
  return Number(v);
}

/** `--option key=value` pairs, for provider-specific settings. */
export function keyValues(p: ParsedArgs, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of p.values[name] ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${name} takes key=value, got '${kv}'`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/** Every provider speaks HTTP: another scheme (ftp:, file:) would only be retried for ever. */
export function endpointSchemeError(endpoint: string): string | undefined {
  const scheme = new URL(endpoint).protocol;
  return scheme === 'http:' || scheme === 'https:' ? undefined : `--endpoint must be an http:// or https:// URL, got ${scheme}// (${endpoint})`;
}

/** `--bwlimit` in rclone's timetable syntax (app/common/bwlimit-schedule.ts); a bad value names the flag and the cause. */
export function bwlimitOption(p: ParsedArgs): BwTimetable | undefined {
  const v = one(p, 'bwlimit');
  if (v === undefined) return undefined;
  try {
    return parseBwLimit(v);
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^bandwidth limit /, '--bwlimit '));
  }
}

/** Help text for --bwlimit, shared by the commands that take it. */
export const BWLIMIT_HELP = `  --bwlimit     bandwidth limit for all files together, bytes/s: 4M, 512k, off; or a weekly timetable
                as rclone's, e.g. "08:00,512k 19:00,off" or "Mon-08:00,1M Sat-00:00,off" (local time;
                0 in a slot pauses uploads until the next slot)
`;
