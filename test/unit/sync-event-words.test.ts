// `ferry sync` prints one line per finished file; a changed file synced to a provider that keeps
// versions (Synapse) says which version it now is, and nothing more where there is none.
import { describe, expect, it } from 'vitest';
import { describeSyncEvent } from '../../app/sync/sync-events.js';

describe('the sync done line', () => {
  it('names the version a replaced file now is', () => {
    expect(describeSyncEvent({ type: 'done', path: 'raw/a.csv', remotePath: '/syn1/raw/a.csv', version: 2 })).toBe('done raw/a.csv → /syn1/raw/a.csv (version 2)');
  });
  it('is unchanged without one', () => {
    expect(describeSyncEvent({ type: 'done', path: 'raw/a.csv', remotePath: '/raw/a.csv' })).toBe('done raw/a.csv → /raw/a.csv');
  });
});
