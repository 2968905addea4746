import { describe, expect, it } from 'vitest';
import { chooseChunkSize, heldBytes, nextChunk } from '../../app/engine/chunk-plan.js';

const gcs = { min: 262_144, max: 256 << 20, align: 262_144, defaultSize: 16 << 20 };

describe('chunk plan', () => {
  it('clamps and aligns the requested size', () => {
    expect(chooseChunkSize(gcs)).toBe(16 << 20);
    expect(chooseChunkSize(gcs, 1_000_000)).toBe(786_432);
    expect(chooseChunkSize(gcs, 10)).toBe(262_144);
    expect(chooseChunkSize({ min: 1, max: 32_000_000, align: 1, defaultSize: 16_000_000 }, 64_000_000)).toBe(32_000_000);
    expect(() => chooseChunkSize(gcs, -5)).toThrow(/chunk size/);
  });

  it('continues offset protocols from the server offset, even mid-chunk', () => {
    expect(nextChunk({ kind: 'offset', offset: 262_144 }, 1_000_000, 524_288, false)).toEqual({ index: 0, offset: 262_144, length: 524_288, final: false });
    expect(nextChunk({ kind: 'offset', offset: 786_432 }, 1_000_000, 524_288, false)).toEqual({ index: 1, offset: 786_432, length: 213_568, final: true });
    expect(nextChunk({ kind: 'offset', offset: 1_000_000 }, 1_000_000, 524_288, false)).toBeUndefined();
  });

  it('sends the lowest missing part for part protocols, never one the server holds', () => {
    expect(nextChunk({ kind: 'parts', have: [0, 2] }, 35, 10, false)).toEqual({ index: 1, offset: 10, length: 10, final: false });
    expect(nextChunk({ kind: 'parts', have: [0, 1, 2] }, 35, 10, false)).toEqual({ index: 3, offset: 30, length: 5, final: true });
    expect(nextChunk({ kind: 'parts', have: [0, 1, 2, 3] }, 35, 10, false)).toBeUndefined();
    expect(heldBytes({ kind: 'parts', have: [0, 3] }, 35, 10)).toBe(15);
  });

  it('sends one empty final chunk for a 0-byte file, once', () => {
    expect(nextChunk({ kind: 'offset', offset: 0 }, 0, 10, false)).toEqual({ index: 0, offset: 0, length: 0, final: true });
    expect(nextChunk({ kind: 'offset', offset: 0 }, 0, 10, true)).toBeUndefined();
    expect(nextChunk({ kind: 'complete' }, 0, 10, false)).toBeUndefined();
  });
});
