// Fault row 37: a server that answers a finished upload with a hostile name. Ferry only uploads,
// so no server name may become a local path; the name reaches the done state (CLI, window, event
// stream, journal, sync index). OneDrive's answer is a driveItem whose `name` and
// `parentReference.path` are the server's; Redivis's is an upload resource whose `name` is. The
// emulators are made to answer with hostile ones. The done path must stay a plain path inside
// the target folder, the CLI must print no raw control or bidi character, and no file may appear
// locally.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/run-child.js';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EMULATORS } from '../../app/emulators/registry.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { CASES, startCaseEmulator } from '../helpers/provider-cases.js';
import { bundleForChild } from '../helpers/bundle.js';

let CLI = '';
let root = '';
const emus = new Map<string, RunningEmulator>();

beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
  root = mkdtempSync(join(tmpdir(), 'ferry-row37-'));
  for (const id of ['onedrive', 'redivis']) emus.set(id, await startCaseEmulator(CASES.find((c) => c.id === id)!, join(root, `emu-${id}`)));
});

afterAll(async () => {
  for (const e of emus.values()) await e.close();
  rmSync(root, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const r = await runNode(args, { env, cwd, timeoutMs: 30_000 });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((d) => relative(dir, join(d.parentPath, d.name))).sort();
}

/** Control characters, C1, and the bidi marks and overrides a terminal or a window would act on. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const HOSTILE: { what: string; name: string; parent?: string }[] = [
  { what: '../ climbing', name: '../../etc/passwd' },
  { what: 'absolute', name: '/etc/passwd' },
  { what: 'drive letter', name: 'C:\\x' },
  { what: 'UNC', name: '\\\\server\\share' },
  { what: 'NUL', name: 'data\u0000.bin' },
  { what: '.. alone', name: '..' },
  { what: 'ANSI escape', name: '\u001b[2J\u001b[31mdata.bin' },
  { what: 'bidi override', name: 'evil\u202enib.exe' },
  { what: 'parent outside the target', name: 'passwd', parent: '/drive/root:/etc' },
];

/** How each provider's emulator is made to name the finished file, and where its done paths may lie. */
const SERVERS = {
  onedrive: {
    // The simple upload's PUT answers with the driveItem.
    rule: (h: (typeof HOSTILE)[number]) => ({
      method: 'PUT', withBody: true,
      body: { id: 'ITEM1', name: h.name, size: 1000, parentReference: { path: h.parent ?? '/drive/root:/row37' }, file: {} },
    }),
    inside: ['/row37/'],
  },
  redivis: {
    // Adding the upload to the table answers with the upload resource, already processed.
    rule: (h: (typeof HOSTILE)[number]) => ({
      method: 'POST', path: 'dataset.uploads/uploads',
      body: { kind: 'upload', uri: '/tables/sandbox.dataset.uploads/uploads/1', id: 1, name: h.parent ? `../../etc/${h.name}` : h.name, type: 'stream', status: 'completed', size: 1000, createdAt: 1, updatedAt: 1, errorMessage: null },
    }),
    // With the `table` option, Redivis reports `/<table>/<name>` (the remote folder is not Redivis's).
    inside: ['/sandbox.dataset.uploads/', '/row37/'],
  },
} as const;

const CROSS = (Object.keys(SERVERS) as (keyof typeof SERVERS)[]).flatMap((id) => HOSTILE.map((h) => ({ id, ...h })));

describe('fault row 37: server-supplied hostile names', () => {
  it.each(CROSS)('$id answers the upload with a hostile name ($what): the done path stays a plain path in the target folder; nothing local is made', async (h) => {
    const emu = emus.get(h.id)!;
    const server = SERVERS[h.id];
    const dir = mkdtempSync(join(root, 'run-'));
    const work = join(dir, 'work');
    mkdirSync(work);
    const file = join(work, 'data.bin');
    writeFileSync(file, Buffer.alloc(1000, 7));
    const ep = EMULATORS[h.id].endpointFor(emu);
    const c = CASES.find((x) => x.id === h.id)!;
    const options = Object.entries({ ...ep.options, ...c.client }).flatMap(([k, v]) => ['--option', `${k}=${v}`]);
    const { body, ...match } = server.rule(h);
    const before = tree(dir);
    const outputs: { out: string; err: string }[] = [];
    for (const json of [true, false]) {
      emu.inject({ ...match, times: 1, action: { kind: 'respond', status: h.id === 'onedrive' ? 201 : 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } });
      const args = [CLI, 'upload', file, '--provider', h.id, '--endpoint', ep.url, '--dest', '/row37/data.bin', ...(json ? ['--json'] : []), ...options];
      const r = await run(args, { FERRY_HOME: join(dir, json ? 'home-json' : 'home-plain'), FERRY_TOKEN: emu.token }, work);
      expect(r.code, r.err).toBe(0);
      outputs.push(r);
    }
    // The done event's remote path: what the window, the event stream and the journal carry.
    const done = outputs[0]!.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; remotePath?: string }).find((e) => e.event === 'done');
    const path = done?.remotePath ?? '';
    expect(server.inside.some((p) => path.startsWith(p)), path).toBe(true);
    expect(path.split('/').slice(1)).not.toContain('..');
    expect(path.split('/').slice(1)).not.toContain('');
    expect(path).not.toMatch(UNSAFE);
    expect(path).not.toContain('\\');
    // The human output (not a terminal here) shows no raw control or bidi character.
    expect(outputs[1]!.err + outputs[1]!.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    // The log says what the server claimed, escaped (OneDrive's foreign folder is dropped by its client).
    const log = readFileSync(join(dir, 'home-json', 'logs', 'ferry.log'), 'utf8');
    expect(log).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    if (h.id !== 'onedrive' || h.parent === undefined) expect(log).toContain('not a plain remote path');
    // No local path was made from the server's name: only Ferry's own state folders are new.
    const added = tree(dir).filter((p) => !before.includes(p) && !/^home-(json|plain)(\/|$)/.test(p));
    expect(added).toEqual([]);
  }, 60_000);
});
