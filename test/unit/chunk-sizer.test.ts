import { describe, expect, it } from 'vitest';
import { nextChunkSize } from '../../app/engine/chunk-sizer.js';
import { paceFrom } from '../../app/engine/pace.js';

const MiB = 1 << 20;
const onedrive = { min: 327_680, max: 62_914_560 - 327_680, align: 327_680, defaultSize: 32 * 327_680 };
const gcs = { min: 262_144, max: 256 * MiB, align: 262_144, defaultSize: 16 * MiB };
const ucloud = { min: 1, max: 32_000_000, align: 1, defaultSize: 16_000_000 };
const big = { ceiling: 2 ** 40 };

/** The timing of one chunk of `bytes` on a path of `mbit` Mbit/s and `rttMs`. */
function onPath(bytes: number, mbit: number, rttMs: number) {
  const sendMs = bytes / (mbit * 125); // bytes per ms = mbit * 1e6 / 8 / 1e3
  return { bytes, elapsedMs: sendMs + rttMs, waitMs: rttMs };
}

/** Chunk sizes chosen one after another on a path, starting from `start`. */
function grow(rules: typeof gcs, start: number, mbit: number, rttMs: number, ceiling = 2 ** 40): number[] {
  const out = [start];
  for (let i = 0; i < 12; i++) out.push(nextChunkSize(rules, out[out.length - 1]!, onPath(out[out.length - 1]!, mbit, rttMs), { ceiling }));
  return out;
}

describe('chunk sizer', () => {
  it('grows until the round trip is a small share of each chunk (1 Gbit/s, 100 ms)', () => {
    const sizes = grow(gcs, 16 * MiB, 1000, 100);
    const last = sizes[sizes.length - 1]!;
    const s = onPath(last, 1000, 100);
    // 1 Gbit/s × 100 ms is 12.5 MB in flight: 5 % idle needs about 19 times that.
    expect(last).toBeGreaterThan(200 * MiB);
    expect(last).toBeLessThanOrEqual(256 * MiB);
    expect(s.waitMs / s.elapsedMs).toBeLessThanOrEqual(0.051);
    for (const n of sizes) expect(n % 262_144).toBe(0);
  });

  it('with the default settings, grows past 64 MiB on a long, fast path (64 MiB chunks leave the link idle 1 round trip in 6)', () => {
    const sizes = grow(gcs, 16 * MiB, 1000, 100, paceFrom({}).chunkCeiling);
    const last = sizes[sizes.length - 1]!;
    expect(last).toBeGreaterThan(200 * MiB);
    const s = onPath(last, 1000, 100);
    expect(s.waitMs / s.elapsedMs).toBeLessThan(0.06);
  });

  it('grows by at most 4x per chunk and never shrinks', () => {
    const sizes = grow(gcs, 1 * MiB, 1000, 100);
    for (let i = 1; i < sizes.length; i++) {
      expect(sizes[i]!).toBeGreaterThanOrEqual(sizes[i - 1]!);
      expect(sizes[i]!).toBeLessThanOrEqual(sizes[i - 1]! * 4);
    }
  });

  it('keeps OneDrive fragments in 320 KiB steps and under 60 MiB', () => {
    const sizes = grow(onedrive, 10 * 327_680, 400, 40);
    for (const n of sizes) {
      expect(n % 327_680).toBe(0);
      expect(n).toBeLessThanOrEqual(60 * MiB);
    }
    expect(sizes[sizes.length - 1]!).toBeGreaterThan(10 * 327_680);
  });

  it('stays at UCloud\'s 32 MB and at the memory ceiling', () => {
    expect(grow(ucloud, 16_000_000, 1000, 100).pop()).toBe(32_000_000);
    expect(grow(gcs, 16 * MiB, 1000, 100, 40 * MiB).pop()).toBe(40 * MiB);
  });

  it('does not grow when the round trip is already a small share (loopback)', () => {
    expect(nextChunkSize(gcs, 16 * MiB, { bytes: 16 * MiB, elapsedMs: 20, waitMs: 0.05 }, big)).toBe(16 * MiB);
    expect(nextChunkSize(ucloud, 16_000_000, { bytes: 16_000_000, elapsedMs: 16, waitMs: 0 }, big)).toBe(16_000_000);
  });

  it('learns nothing from a short final chunk or an empty sample', () => {
    expect(nextChunkSize(gcs, 16 * MiB, onPath(3 * MiB, 1000, 100), big)).toBe(16 * MiB);
    expect(nextChunkSize(gcs, 16 * MiB, { bytes: 16 * MiB, elapsedMs: 0 }, big)).toBe(16 * MiB);
  });

  it('without a wait figure treats the whole chunk as overhead and grows by the step limit', () => {
    expect(nextChunkSize(gcs, 1 * MiB, { bytes: 1 * MiB, elapsedMs: 50 }, big)).toBe(4 * MiB);
  });
});
