// The diagnostics bundle and the CLI's new commands, run as a user runs them (a child process on
// a real $FERRY_HOME). Secrets are planted everywhere a careless bundle would pick them up:
// account tokens, journal session refs (upload URLs with tempauth, session ids), log lines.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, promises as fsp, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_SCHEMA, type JournalRecord } from '../../app/engine/journal.js';
import { FileJournal } from '../../app/node/file-journal.js';
import { bundleForChild } from '../helpers/bundle.js';

let CLI = '';
let root = '';
let home = '';
const TOKEN = 'tok_9f8e7d6c5b4a39281706';
const REFRESH = 'rfr_0a1b2c3d4e5f60718293';
const TEMPAUTH = 'tempauth=eyJhbGciOiJIUzI1NiJ9.c2VjcmV0';
const SESSION_ID = 'upl_5e55107d_2d4c_41aa_8f1e';
const SIGNED = `https://upload.example.org/u/${SESSION_ID}?${TEMPAUTH}&sig=abcdef012345`;

interface Run { code: number | null; stdout: string; stderr: string }
function ferry(args: string[], pipeTo?: string[]): Promise<Run> {
  const env = { ...process.env, FERRY_HOME: home, NO_COLOR: '1' };
  return new Promise((resolve, reject) => {
    const cmd = pipeTo ? spawn('sh', ['-c', `"${process.execPath}" "${CLI}" ${args.join(' ')} | ${pipeTo.join(' ')}`], { env }) : spawn(process.execPath, [CLI, ...args], { env });
    let stdout = '';
    let stderr = '';
    cmd.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    cmd.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    cmd.on('error', reject);
    cmd.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const record = (id: string, state: JournalRecord['state'], session = true): JournalRecord => ({
  v: JOURNAL_SCHEMA, id, targetId: 'target-box', provider: 'box', localPath: `/data/${id}.bin`, remotePath: `/in/${id}.bin`,
  conflict: 'rename', fingerprint: { size: 1000, mtimeNs: '1', headTail: 'x' }, chunkSize: 100, offset: 500,
  ...(session ? { session: { ref: { uploadUrl: SIGNED, sessionId: SESSION_ID, nested: [{ refresh: REFRESH }] }, chunkSize: 100, createdAt: 1 } } : {}),
  state, createdAt: 1, updatedAt: 2,
});

beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
  root = mkdtempSync(join(tmpdir(), 'ferry-diag-'));
  home = join(root, 'home');
  mkdirSync(join(home, 'logs'), { recursive: true });
  writeFileSync(join(home, 'targets.json'), JSON.stringify([{
    id: 'target-box', name: 'Lab Box', provider: 'box', url: `http://127.0.0.1:9/2.0?access_token=${TOKEN}`, token: TOKEN,
    options: { folderId: '0', refreshToken: REFRESH }, conflict: 'rename', remoteRoot: '/in',
  }]));
  const j = new FileJournal(home, { info() {}, warn() {}, error() {} });
  await j.put(record('tfailed1', { kind: 'failed', offset: 500, error: { code: 'network', message: `PUT ${SIGNED}: connection refused` } }));
  for (let i = 0; i < 800; i++) await j.put(record(`tdone${i}`, { kind: 'done', remotePath: '/in/x', verified: true }, false));
  writeFileSync(join(home, 'logs', 'ferry.log'), [
    JSON.stringify({ t: 'x', level: 'warn', msg: `retrying ${SIGNED}`, token: TOKEN }),
    JSON.stringify({ t: 'x', level: 'error', msg: `Authorization: Bearer ${TOKEN} refused; session ${SESSION_ID}` }),
  ].join('\n') + '\n');
}, 60_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('ferry diagnose', () => {
  it('writes one JSON file with versions, accounts, journal, log and connection tests, and no secret anywhere', async () => {
    const out = join(root, 'out');
    const r = await ferry(['diagnose', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [file] = readdirSync(out);
    expect(r.stdout).toContain(join(out, file!));
    const text = await fsp.readFile(join(out, file!), 'utf8');
    for (const secret of [TOKEN, REFRESH, TEMPAUTH, 'eyJhbGciOiJIUzI1NiJ9', SESSION_ID, 'sig=abcdef012345']) expect(text, secret).not.toContain(secret);
    const d = JSON.parse(text) as Record<string, any>;
    expect(d.versions.node).toBe(process.versions.node);
    expect(d.accounts[0]).toMatchObject({ name: 'Lab Box', provider: 'Box', folder: '/in', signedIn: true, server: 'http://127.0.0.1:9/2.0' });
    expect(d.accounts[0].connection.ok).toBe(false);
    expect(d.journal.byState).toEqual({ failed: 1, done: 800 });
    expect(d.journal.transfers.find((t: { id: string }) => t.id === 'tfailed1')).toMatchObject({ state: 'failed', hasSession: true, provider: 'Box' });
    expect(d.log).toHaveLength(2);
  });
});

describe('ferry status, clear and cancel', () => {
  it('ends quietly when its reader goes away (ferry status | head -1)', async () => {
    const r = await ferry(['status'], ['head', '-1']);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toBe('');
  });

  it('says what a failed transfer needs in words', async () => {
    const r = await ferry(['status']);
    expect(r.stdout).toMatch(/tfailed1 {2}Failed: Could not reach the server\./);
    expect(r.stdout).not.toContain(TEMPAUTH);
  });

  it('clear drops finished transfers and keeps the failed one', async () => {
    const r = await ferry(['clear']);
    expect(r.stdout).toBe('Cleared 800 finished transfers.\n');
    expect((await new FileJournal(home, { info() {}, warn() {}, error() {} }).load()).map((x) => x.id)).toEqual(['tfailed1']);
  });

  it('retry and cancel name an unknown id and exit 1', async () => {
    const r = await ferry(['retry', 'tnope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no transfer tnope in the journal');
    expect((await ferry(['cancel'])).code).toBe(2);
  });

  it('documents the exit codes in --help', async () => {
    const r = await ferry(['--help']);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 .*/);
  });
});
