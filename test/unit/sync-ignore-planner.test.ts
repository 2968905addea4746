import { describe, expect, it } from 'vitest';
import { createIgnoreMatcher } from '../../app/sync/ignore-rules.js';
import { judge, planScan, type IndexEntry } from '../../app/sync/planner.js';

describe('ignore rules', () => {
  const m = createIgnoreMatcher({ fileText: '# raw renders\n*.braw\n!keep.braw\nrenders/\n', rules: ['proxy-*'] });

  it('skips temporary and system files by default, at any depth', () => {
    for (const p of ['movie.mp4.part', 'a/b/.DS_Store', 'Thumbs.db', '~$report.docx', 'x/.notes.txt.swp', 'dl.crdownload', '.git/', 'sub/.git/', 'sub/.git/HEAD']) {
      expect(m.ignored(p), p).toBe(true);
    }
  });

  it('applies the folder .ferryignore and the user rules in gitignore syntax, negation included', () => {
    expect(m.ignored('day1/a.braw')).toBe(true);
    expect(m.ignored('day1/keep.braw')).toBe(false);
    expect(m.ignored('renders/')).toBe(true);
    expect(m.ignored('proxy-001.mov')).toBe(true);
  });

  it('keeps ordinary files', () => {
    for (const p of ['day1/clip.mov', 'notes.txt', 'git/readme', 'gitignore.md']) expect(m.ignored(p), p).toBe(false);
  });

  it('can drop the defaults', () => {
    expect(createIgnoreMatcher({ defaults: false }).ignored('Thumbs.db')).toBe(false);
  });
});

describe('planner', () => {
  const e = (size: number, mtimeMs: number, hash = 'h'): IndexEntry => ({ size, mtimeMs, hash, remote: '/r' });

  it('trusts size and mtime, and asks for a hash only when the mtime moved but not the size', () => {
    expect(judge({ size: 1, mtimeMs: 1 }, undefined)).toBe('new');
    expect(judge({ size: 1, mtimeMs: 1 }, e(1, 1))).toBe('same');
    expect(judge({ size: 2, mtimeMs: 1 }, e(1, 1))).toBe('changed');
    expect(judge({ size: 1, mtimeMs: 2 }, e(1, 1))).toBe('verify');
    expect(judge({ size: 1, mtimeMs: 2 }, e(1, 1, ''))).toBe('changed');
  });

  it('diffs a walk against the index: new, changed, unchanged, gone, and keeps what sits under unreadable folders', () => {
    const index = new Map([
      ['a', e(1, 1)], ['b', e(1, 1)], ['gone', e(1, 1)], ['locked/x', e(1, 1)], ['other/y', e(1, 1)],
    ]);
    const scanned = new Map([['a', { size: 1, mtimeMs: 1 }], ['b', { size: 3, mtimeMs: 1 }], ['c', { size: 1, mtimeMs: 1 }], ['other/y', { size: 1, mtimeMs: 1 }]]);
    const plan = planScan(scanned, index, '', ['locked']);
    expect(plan.candidates.map((c) => [c.path, c.verdict])).toEqual([['b', 'changed'], ['c', 'new']]);
    expect(plan.unchanged).toBe(2);
    expect(plan.gone).toEqual(['gone']);
  });

  it('limits "gone" to the folder that was walked', () => {
    const index = new Map([['day1/a', e(1, 1)], ['day10/b', e(1, 1)]]);
    expect(planScan(new Map(), index, 'day1').gone).toEqual(['day1/a']);
  });
});
