import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncIndex } from '../../app/sync/sync-index.js';

describe('SyncIndex', () => {
  let dir: string;
  const logs: string[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-index-'));
    logs.length = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const open = () => SyncIndex.open({ dir, log: (l) => logs.push(l), flushMs: 10_000 });
  const entry = (n: number) => ({ size: n, mtimeMs: n + 0.5, hash: `h${n}`, remote: `/R/f${n}` });

  it('keeps puts and deletes across a reopen', async () => {
    const a = await open();
    a.put('a', entry(1));
    a.put('b', entry(2));
    a.put('a', entry(3));
    a.delete('b');
    await a.close();
    const b = await open();
    expect([...b.entries]).toEqual([['a', entry(3)]]);
    expect(logs).toEqual([]);
    await b.close();
  });

  it('appends one line per change instead of rewriting the file', async () => {
    const a = await open();
    for (let i = 0; i < 100; i++) a.put(`f${i}`, entry(i));
    await a.flush();
    const before = (await readFile(a.path, 'utf8')).length;
    a.put('one-more', entry(7));
    await a.flush();
    const after = await readFile(a.path, 'utf8');
    expect(after.length - before).toBeLessThan(200);
    expect(after.split('\n').filter(Boolean)).toHaveLength(102);
    await a.close();
  });

  it('drops a torn last record (a crash mid-append) and keeps the rest', async () => {
    const a = await open();
    a.put('a', entry(1));
    await a.close();
    await appendFile(join(dir, 'index.log'), '1234abcd {"p":"b","s":');
    const b = await open();
    expect([...b.entries.keys()]).toEqual(['a']);
    expect(logs.join('\n')).toMatch(/unfinished last record/);
    await b.close();
    // The repair was written back: a third open is clean.
    logs.length = 0;
    const c = await open();
    expect(logs).toEqual([]);
    await c.close();
  });

  it('quarantines a corrupt file, keeps the good records and never throws', async () => {
    const a = await open();
    a.put('a', entry(1));
    a.put('b', entry(2));
    a.put('c', entry(3));
    await a.close();
    const text = await readFile(join(dir, 'index.log'), 'utf8');
    await writeFile(join(dir, 'index.log'), text.replace('"p":"b"', '"p":"X"'));
    const b = await open();
    expect([...b.entries.keys()].sort()).toEqual(['a', 'c']);
    expect(logs.join('\n')).toMatch(/damaged \(1 bad record\(s\)\).*index\.log\.corrupt-/);
    expect((await readdir(dir)).some((f) => f.startsWith('index.log.corrupt-'))).toBe(true);
    await b.close();
  });

  it('starts empty, with a log line, when the file is garbage', async () => {
    await writeFile(join(dir, 'index.log'), 'not an index at all\n\u0000\u0001\n');
    const b = await open();
    expect(b.entries.size).toBe(0);
    expect(logs.join('\n')).toMatch(/unknown header/);
    b.put('x', entry(1));
    await b.close();
    const c = await open();
    expect([...c.entries.keys()]).toEqual(['x']);
    await c.close();
  });

  it('compacts on close when the log holds far more records than entries', async () => {
    const a = await open();
    for (let i = 0; i < 3000; i++) a.put('same', entry(i));
    await a.close();
    const lines = (await readFile(join(dir, 'index.log'), 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    const b = await open();
    expect(b.get('same')).toEqual(entry(2999));
    await b.close();
  });
});
