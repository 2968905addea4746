// Issue 11, item 13: file names (and server error text) with newlines or terminal escape codes
// are shown escaped in human-readable output (`ferry status`, the progress display), so a
// hostile name cannot forge lines or drive the terminal. JSON output keeps the raw value.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferView } from '../../app/common/transfer.js';
import { JOURNAL_SCHEMA, type JournalRecord } from '../../app/engine/journal.js';
import { FileJournal } from '../../app/node/file-journal.js';
import { renderBlock } from '../../app/cli/progress-block.js';
import { bundleForChild } from '../helpers/bundle.js';

const EVIL = 'clip\n\x1b[2J\x1b]0;pwned\x07\u202eevil.mov';

let CLI = '';
let root = '';
beforeAll(async () => {
  CLI = await bundleForChild(join(process.cwd(), 'app/cli/main.ts'));
  root = mkdtempSync(join(tmpdir(), 'ferry-escape-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function status(home: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'status', ...args], { env: { ...process.env, FERRY_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('exit', () => resolve(out));
  });
}

describe('control characters in human-readable output', () => {
  it('ferry status prints one line per transfer with the name escaped; --json keeps it raw', async () => {
    const home = join(root, 'home');
    const rec = {
      v: JOURNAL_SCHEMA, id: 'evil1', targetId: 't', provider: 'tus', localPath: `/data/${EVIL}`, remotePath: `/in/${EVIL}`,
      fingerprint: { size: 10, mtimeNs: '1', ino: '1', dev: '1' }, offset: 0,
      state: { kind: 'failed', error: { code: 'protocol', message: 'server said \x1b[31mno\x1b[0m\r\nfake line' } }, createdAt: 1,
    } as unknown as JournalRecord;
    await new FileJournal(home, { info() {}, warn() {}, error() {} }).put(rec);
    const out = await status(home);
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    expect(out).toContain('clip\\n\\x1b[2J');
    const json = JSON.parse(await status(home, ['--json'])) as { file: string };
    expect(json.file).toBe(`/data/${EVIL}`);
  });

  it('the progress block escapes the names and the state text', () => {
    const v = { id: 'x', name: EVIL, localPath: EVIL, remotePath: EVIL, size: 10, transferred: 5, speed: 0, targetId: 't', state: { kind: 'waiting', until: 0, reason: 'backoff', error: { code: 'protocol', message: 'a\nb\x1b[1m' } } } as unknown as TransferView;
    const lines = renderBlock({ views: [v], now: 0, startedAt: 0, resumedAt: new Map() }, { rows: 20, columns: 400, color: false });
    for (const line of lines) expect(line).not.toMatch(/[\x00-\x1f\x7f\u202e]/);
    expect(lines.join('\n')).toContain('\\n');
  });
});
