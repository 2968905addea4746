// Validation of everything that crosses the UI boundary. A renderer is untrusted input (an XSS
// or a forged frame could call any channel with anything), so each payload is checked against
// its channel's shape before a handler sees it. Pure: no node:*, shared by main and the host.
import type { AccountDraft } from './account-form.js';
import type { CommandChannel, Req } from './api.js';
import { isCommandChannel } from './api.js';
import { parseBwLimit } from './bwlimit-schedule.js';
import type { ErrorInfo } from './errors.js';
import { PROVIDER_IDS } from './transfer.js';

type Check<T> = (v: unknown, at: string) => T;

export class PayloadError extends Error {}

const fail = (at: string, what: string): never => {
  throw new PayloadError(`${at} ${what}`);
};

const MAX_STR = 4096;
const str = (max = MAX_STR): Check<string> => (v, at) => {
  if (typeof v !== 'string') fail(at, 'must be a string');
  const s = v as string;
  if (s.length > max) fail(at, `is longer than ${max} characters`);
  if (s.includes('\0')) fail(at, 'contains a NUL character');
  return s;
};
const nonEmpty = (max = MAX_STR): Check<string> => (v, at) => {
  const s = str(max)(v, at);
  if (s.trim() === '') fail(at, 'must not be empty');
  return s;
};
const oneOf = <T extends string>(values: readonly T[]): Check<T> => (v, at) => {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(at, `must be one of ${values.join(', ')}`);
  return v as T;
};
const bool: Check<boolean> = (v, at) => (typeof v === 'boolean' ? v : fail(at, 'must be true or false'));
const none: Check<null> = (v, at) => (v === null || v === undefined ? null : fail(at, 'must be empty'));

function obj<T>(shape: { [K in keyof T]: Check<T[K]> }, optional: (keyof T)[] = []): Check<T> {
  return (v, at) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(at, 'must be an object');
    const rec = v as Record<string, unknown>;
    for (const k of Object.keys(rec)) if (!(k in shape)) fail(`${at}.${k}`, 'is not a known field');
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(shape) as (keyof T & string)[]) {
      if (rec[k] === undefined && optional.includes(k)) continue;
      out[k] = shape[k](rec[k], `${at}.${k}`);
    }
    return out as T;
  };
}
const arr = <T>(item: Check<T>, max: number): Check<T[]> => (v, at) => {
  if (!Array.isArray(v)) return fail(at, 'must be a list');
  if (v.length === 0) fail(at, 'must not be empty');
  if (v.length > max) fail(at, `has more than ${max} entries`);
  return v.map((x, i) => item(x, `${at}[${i}]`));
};
const stringMap: Check<Record<string, string>> = (v, at) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(at, 'must be an object');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 64) fail(at, 'has too many entries');
  return Object.fromEntries(entries.map(([k, x]) => [nonEmpty(128)(k, `${at} key`), str()(x, `${at}.${k}`)]));
};
const httpUrl: Check<string> = (v, at) => {
  const s = nonEmpty(2048)(v, at);
  if (!/^https?:\/\/[^\s/]+/i.test(s)) fail(at, 'must be an http(s) URL');
  return s;
};
/** A `--bwlimit` timetable, checked here so the error names the field and what is wrong with it. */
const bwSpec: Check<string> = (v, at) => {
  const s = nonEmpty(1024)(v, at);
  try {
    parseBwLimit(s);
  } catch (e) {
    fail(at, (e as Error).message.replace(/^bandwidth limit /, ''));
  }
  return s;
};
/** Files at once: a whole number the machine and the server can bear. */
const filesAtOnce: Check<number> = (v, at) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 16 ? v as number : fail(at, 'must be a whole number from 1 to 16'));
/** The same check for a stored value (app/service/settings-store.ts): the problem, or undefined when it is fine. */
export function filesAtOnceProblem(v: unknown): string | undefined {
  try {
    filesAtOnce(v, 'it');
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
const id = nonEmpty(200);
const byId = obj<{ id: string }>({ id });
const accountName = nonEmpty(64);
const byName = obj<{ name: string }>({ name: accountName });

const schemas: { [C in CommandChannel]: Check<Req<C>> } = {
  'app:info': none,
  'app:openExternal': obj<{ url: string }>({ url: httpUrl }),
  'app:diagnostics': obj<{ connectionTests: boolean }>({ connectionTests: bool }),
  'dialog:pick': obj<{ folders: boolean }>({ folders: bool }),
  'transfers:list': none,
  'transfers:add': obj<Req<'transfers:add'>>(
    { targetId: id, paths: arr(nonEmpty(), 10_000), remoteDir: nonEmpty(2048) },
    ['remoteDir'],
  ),
  'transfers:pause': byId,
  'transfers:resume': byId,
  'transfers:cancel': byId,
  'transfers:retry': byId,
  'transfers:pauseAll': none,
  'transfers:resumeAll': none,
  'transfers:clearFinished': none,
  'targets:list': none,
  'targets:add': obj<Req<'targets:add'>>({
    name: nonEmpty(200),
    provider: oneOf(PROVIDER_IDS),
    url: httpUrl,
    token: str(16_384),
    remoteRoot: nonEmpty(2048),
    conflict: oneOf(['rename', 'replace', 'fail'] as const),
    options: stringMap,
  }),
  'targets:test': byId,
  'targets:remove': byId,
  'accounts:list': none,
  'accounts:add': obj<AccountDraft>({
    name: nonEmpty(64), provider: oneOf(PROVIDER_IDS), method: oneOf(['browser', 'device', 'token', 'none'] as const),
    address: str(2048), place: str(512), token: str(16_384), clientId: str(512), clientSecret: str(1024),
    authUrl: str(2048), tokenUrl: str(2048), deviceUrl: str(2048), uploadUrl: str(2048),
  }),
  'accounts:signIn': obj<Req<'accounts:signIn'>>({ name: accountName, method: oneOf(['browser', 'device'] as const), token: nonEmpty(16_384) }, ['method', 'token']),
  'accounts:cancelSignIn': byName,
  'accounts:update': obj<Req<'accounts:update'>>({ name: accountName, newName: accountName, place: str(512) }, ['newName', 'place']),
  'accounts:test': byName,
  'accounts:remove': obj<Req<'accounts:remove'>>({ name: accountName, queued: oneOf(['cancel', 'keep'] as const) }),
  'folders:list': none,
  'folders:add': obj<Req<'folders:add'>>({ localPath: nonEmpty(), targetId: id, remoteDir: nonEmpty(2048) }),
  'folders:remove': byId,
  'settings:get': none,
  'settings:set': obj<Req<'settings:set'>>({ bwlimit: bwSpec, filesAtOnce }, ['bwlimit', 'filesAtOnce']),
};

/** Checks a channel name and its payload; the error names the channel and the bad field. */
export function validateCommand(channel: unknown, payload: unknown):
  { ok: true; channel: CommandChannel; req: Req<CommandChannel> } | { ok: false; error: ErrorInfo } {
  if (!isCommandChannel(channel)) {
    return { ok: false, error: { code: 'bad-input', message: `unknown command channel ${JSON.stringify(String(channel)).slice(0, 80)}` } };
  }
  try {
    const req = (schemas[channel] as Check<Req<CommandChannel>>)(payload, 'request');
    return { ok: true, channel, req };
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e;
    return { ok: false, error: { code: 'bad-input', message: `${channel}: ${e.message}` } };
  }
}
