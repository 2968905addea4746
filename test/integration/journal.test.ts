import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, promises as fsp, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../../app/node/file-journal.js';
import { JOURNAL_SCHEMA, type JournalRecord } from '../../app/engine/journal.js';
import { bundleForChild } from '../helpers/bundle.js';

const homes: string[] = [];
const newHome = (): string => {
  const h = mkdtempSync(join(tmpdir(), 'ferry-journal-'));
  homes.push(h);
  return h;
};
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

const recordLog = () => {
  const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
  return { lines, log: { info() {}, warn: (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, fields }), error: (msg: string) => lines.push({ msg }) } };
};

const rec = (id: string, offset = 0): JournalRecord => ({
  v: JOURNAL_SCHEMA, id, targetId: 't1', provider: 'tus', localPath: `/data/${id}.bin`, remotePath: `/${id}.bin`, conflict: 'rename',
  fingerprint: { size: 100, mtimeNs: '123', headTail: 'ab' }, chunkSize: 10, offset, state: { kind: 'uploading', offset }, createdAt: offset, updatedAt: offset,
});

describe('file journal', () => {
  it('round-trips records and removes them', async () => {
    const home = newHome();
    const { log } = recordLog();
    const j = new FileJournal(home, log);
    await j.put(rec('a', 1));
    await j.put(rec('b', 2));
    await j.put(rec('a', 5));
    // Ordered by creation time (createdAt = offset here).
    expect((await j.load()).map((r) => [r.id, r.offset])).toEqual([['b', 2], ['a', 5]]);
    await j.remove('a');
    expect((await j.load()).map((r) => r.id)).toEqual(['b']);
  });

  it('quarantines corrupt, truncated, empty and NUL-filled records with a log line and keeps the others (row 22)', async () => {
    const home = newHome();
    const { lines, log } = recordLog();
    const j = new FileJournal(home, log);
    await j.put(rec('good', 7));
    const dir = join(home, 'transfers');
    const good = await fsp.readFile(join(dir, 'good.json'), 'utf8');
    await fsp.writeFile(join(dir, 'trunc.json'), good.slice(0, good.length / 2));
    await fsp.writeFile(join(dir, 'empty.json'), '');
    await fsp.writeFile(join(dir, 'nul.json'), Buffer.alloc(300));
    await fsp.writeFile(join(dir, 'garbage.json'), '{"sha256":"00","record":{"v":1}}');
    // A bit flip inside an otherwise valid record: the checksum catches it.
    await fsp.writeFile(join(dir, 'flip.json'), good.replace('"offset":7', '"offset":8'));
    const loaded = await new FileJournal(home, log).load();
    expect(loaded.map((r) => r.id)).toEqual(['good']);
    expect(readdirSync(join(home, 'quarantine')).length).toBe(5);
    expect(lines.filter((l) => /unreadable/.test(l.msg)).length).toBe(5);
    expect(readdirSync(dir)).toEqual(['good.json']);
  });

  describe('SIGKILL during writes (row 21)', () => {
    let child = '';
    beforeAll(async () => {
      child = await bundleForChild(join(process.cwd(), 'test/helpers/journal-writer-child.ts'));
    });

    it('always leaves a parseable record and no stale temp files, over 200 kills', async () => {
      const home = newHome();
      const { lines, log } = recordLog();
      let lastOffset = -1;
      let seed = 42;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let i = 0; i < 200; i++) {
        const p = spawn(process.execPath, [child, home], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((resolve, reject) => {
          p.stdout.once('data', () => resolve());
          p.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
        });
        await new Promise((r) => setTimeout(r, Math.floor(rand() * 15)));
        p.kill('SIGKILL');
        await new Promise((r) => p.once('exit', r));
        const loaded = await new FileJournal(home, log).load();
        expect(loaded).toHaveLength(1);
        // The old version or the new one, never an older one and never a mix.
        expect(loaded[0]!.offset).toBeGreaterThan(lastOffset);
        lastOffset = loaded[0]!.offset;
        expect(readdirSync(join(home, 'transfers')).filter((n) => n.includes('.tmp-'))).toEqual([]);
      }
      expect(lastOffset).toBeGreaterThanOrEqual(200);
      expect(lines).toEqual([]);
    }, 180_000);
  });
});
