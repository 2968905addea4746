// Fault row 20: `ferry upload` is SIGKILLed by the crash hook "after-create-before-persist" (the
// provider has answered the session create; the engine has not recorded the session), then run
// again on the same $FERRY_HOME. The upload must complete byte-identical with exactly one session
// ever written to (the orphan never gets a byte), the journal must have known a create was under
// way (no URL in it), and the restart must say so in the log.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/run-child.js';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMULATORS } from '../../app/emulators/registry.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { CASES, startCaseEmulator } from '../helpers/provider-cases.js';
import { bundleForChild } from '../helpers/bundle.js';

let CLI = '';
const KiB = 1024;
const roots: string[] = [];
const emus: RunningEmulator[] = [];

beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
});

afterEach(async () => {
  for (const e of emus.splice(0)) await e.close();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  const r = await runNode(args, { env });
  return { code: r.code, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** The journal's records of a state folder, as stored text. */
function journalTexts(home: string): string[] {
  const dir = join(home, 'transfers');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** Requests whose body bytes the emulator took as file data (a session create counts none). */
const dataRequests = (emu: RunningEmulator): { path: string; bytes: number }[] => emu.requests().filter((r) => r.bytes > 0);

/**
 * Providers whose session is named in the request path (tus upload URL, Box session id, Graph
 * upload URL); UCloud's is a header and Redivis's a query parameter, which the log does not keep.
 */
const SESSION_IN_PATH = new Set(['tus', 'box', 'onedrive']);

describe('fault row 20: SIGKILL between the session create and its record', () => {
  it.each(CASES)('$id: restart completes byte-identical; no byte goes to a session other than the one that completes; the restart logs it', async (c) => {
    const root = mkdtempSync(join(tmpdir(), `ferry-row20-${c.id}-`));
    roots.push(root);
    const size = 1024 * KiB + 123;
    const content = randomBytes(size);
    const file = join(root, 'data.bin');
    writeFileSync(file, content);
    const emu = await startCaseEmulator(c, join(root, 'emu'));
    emus.push(emu);
    const ep = EMULATORS[c.id].endpointFor(emu);
    const options = Object.entries({ ...ep.options, ...c.client }).flatMap(([k, v]) => ['--option', `${k}=${v}`]);
    const home = join(root, 'home');
    const args = [CLI, 'upload', file, '--provider', c.id, '--endpoint', ep.url, '--dest', '/row20/data.bin', '--chunk-size', String(c.chunkSize), '--json', ...options];
    const env = { FERRY_HOME: home, FERRY_TOKEN: emu.token, FERRY_RETRY_BASE_MS: '20' };

    const killed = await run(args, { ...env, FERRY_CRASH_HOOK: 'after-create-before-persist' });
    expect(killed.signal, killed.err).toBe('SIGKILL');
    // The server made a session; not one byte of the file went anywhere.
    expect(emu.stats().sessionsCreated).toBe(1);
    expect(dataRequests(emu)).toEqual([]);
    // The journal knows a create was under way, and holds no session (so no URL) for it.
    const [before] = journalTexts(home);
    const rec = (JSON.parse(before!) as { record: { creating?: { at: number }; session?: unknown } }).record;
    expect(rec.creating?.at).toEqual(expect.any(Number));
    expect(rec.session).toBeUndefined();

    const again = await run(args, env);
    expect(again.code, again.err).toBe(0);
    // Synapse answers a byte-identical start request with the upload it already has (protocols.md
    // 2.2, "Same user + byte-identical request → same upload"): the restart resumes it. Everywhere
    // else the restart makes one new session, and the orphan is never sent a byte.
    expect(emu.stats().sessionsCreated).toBe(c.id === 'synapse' ? 1 : 2);
    // Every byte the server took, over both runs, is the file once: the session that completed
    // needed all of them, so none went to another session.
    const data = dataRequests(emu);
    expect(data.reduce((n, r) => n + r.bytes, 0)).toBe(size);
    if (SESSION_IN_PATH.has(c.id)) expect(new Set(data.map((r) => r.path)).size).toBe(1);
    const want = createHash('sha256').update(content).digest('hex');
    const stored = (await emu.files()).filter((f) => f.sha256 === want && f.size === size);
    expect(stored.length, JSON.stringify(await emu.files())).toBe(1);
    // The restart said that a session may be left on the server, and named no URL.
    const log = readFileSync(join(home, 'logs', 'ferry.log'), 'utf8');
    expect(log).toMatch(/earlier request to create an upload session has no recorded answer/);
    expect(log).not.toContain(emu.token);
    for (const text of journalTexts(home)) expect(text).not.toContain('"creating"');
  }, 90_000);
});
