// Fault row 37: a server that answers a finished upload with a hostile name. Ferry only uploads,
// so no server name may become a local path; the name reaches the done state (CLI, window, event
// stream, journal, sync index). OneDrive's answer is a driveItem whose `name` and
// `parentReference.path` are the server's; the emulator is made to answer the upload with hostile
// ones. The done path must stay a plain path inside the target folder, the CLI must print no raw
// control or bidi character, and no file may appear locally.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EMULATORS } from '../../app/emulators/registry.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { CASES, startCaseEmulator } from '../helpers/provider-cases.js';
import { bundleForChild } from '../helpers/bundle.js';

let CLI = '';
let root = '';
let emu: RunningEmulator;

beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
  root = mkdtempSync(join(tmpdir(), 'ferry-row37-'));
  emu = await startCaseEmulator(CASES.find((c) => c.id === 'onedrive')!, join(root, 'emu'));
});

afterAll(async () => {
  await emu?.close();
  rmSync(root, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
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

describe('fault row 37: server-supplied hostile names', () => {
  it.each(HOSTILE)('OneDrive answers the upload with a hostile name ($what): the done path stays a plain path in the target folder; nothing local is made', async (h) => {
    const dir = mkdtempSync(join(root, 'run-'));
    const work = join(dir, 'work');
    mkdirSync(work);
    const file = join(work, 'data.bin');
    writeFileSync(file, Buffer.alloc(1000, 7));
    const ep = EMULATORS.onedrive.endpointFor(emu);
    const c = CASES.find((x) => x.id === 'onedrive')!;
    const options = Object.entries({ ...ep.options, ...c.client }).flatMap(([k, v]) => ['--option', `${k}=${v}`]);
    const item = JSON.stringify({ id: 'ITEM1', name: h.name, size: 1000, parentReference: { path: h.parent ?? '/drive/root:/row37' }, file: {} });
    const before = tree(dir);
    const outputs: { out: string; err: string }[] = [];
    for (const json of [true, false]) {
      emu.inject({ method: 'PUT', withBody: true, times: 1, action: { kind: 'respond', status: 201, headers: { 'content-type': 'application/json' }, body: item } });
      const args = [CLI, 'upload', file, '--provider', 'onedrive', '--endpoint', ep.url, '--dest', '/row37/data.bin', ...(json ? ['--json'] : []), ...options];
      const r = await run(args, { FERRY_HOME: join(dir, json ? 'home-json' : 'home-plain'), FERRY_TOKEN: emu.token }, work);
      expect(r.code, r.err).toBe(0);
      outputs.push(r);
    }
    // The done event's remote path: what the window, the event stream and the journal carry.
    const done = outputs[0]!.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; remotePath?: string }).find((e) => e.event === 'done');
    const path = done?.remotePath ?? '';
    expect(path.startsWith('/row37/'), path).toBe(true);
    expect(path.split('/').slice(1)).not.toContain('..');
    expect(path.split('/').slice(1)).not.toContain('');
    expect(path).not.toMatch(UNSAFE);
    expect(path).not.toContain('\\');
    // The human output (not a terminal here) shows no raw control or bidi character.
    expect(outputs[1]!.err + outputs[1]!.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    // No local path was made from the server's name: only Ferry's own state folders are new.
    const added = tree(dir).filter((p) => !before.includes(p) && !/^home-(json|plain)(\/|$)/.test(p));
    expect(added).toEqual([]);
  }, 60_000);
});
