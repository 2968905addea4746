// Chunk size from the path: each chunk of an ordered upload costs one idle round trip (the
// server answers before the next chunk starts), so on a long, fast path small chunks leave the
// link idle most of the time. From each chunk's timing this picks the next chunk's size so that
// the idle part is a small share of it, within the provider's rules. Pure: the runner feeds it
// (bytes, elapsed, wait) and keeps the answer in the journal with the session.
import type { ChunkRules } from './provider.js';

export interface ChunkSample {
  /** Body bytes of the chunk. */
  bytes: number;
  /** From the request's start to the server's answer, ms. */
  elapsedMs: number;
  /**
   * From the last body byte handed to the socket to the server's answer, ms: one round trip plus
   * the server's work plus the socket buffer draining. Undefined when the transport did not say.
   */
  waitMs?: number;
}

export interface SizerOptions {
  /** Largest chunk the sizer chooses (the memory budget), besides the provider's own max. */
  ceiling: number;
  /** Share of a chunk's time allowed to be the idle round trip. */
  idleShare?: number;
  /** Largest growth factor from one chunk to the next (a noisy sample cannot overshoot far). */
  maxGrowth?: number;
}

const IDLE_SHARE = 0.05;
const MAX_GROWTH = 4;

/**
 * The next chunk size after `sample`, never below `current` (a chunk that ran fine is never made
 * smaller: that would only add round trips) and always within `rules` (min, max, alignment).
 */
export function nextChunkSize(rules: ChunkRules, current: number, sample: ChunkSample, o: SizerOptions): number {
  const share = o.idleShare ?? IDLE_SHARE;
  const growth = o.maxGrowth ?? MAX_GROWTH;
  const limit = alignDown(rules, Math.min(rules.max, Math.max(o.ceiling, rules.min)));
  if (current >= limit || sample.bytes <= 0 || sample.elapsedMs <= 0) return current;
  // Only a full-size chunk says how the path copes with this size (a short final chunk does not).
  if (sample.bytes < current) return current;
  const idle = Math.min(sample.elapsedMs, sample.waitMs ?? sample.elapsedMs);
  if (idle <= 0) return current;
  const busy = Math.max(sample.elapsedMs - idle, sample.elapsedMs * share);
  const linkRate = sample.bytes / busy; // bytes per ms while bytes moved
  // idle / (size / rate + idle) <= share  ⇔  size >= rate · idle · (1 - share) / share
  const wanted = linkRate * idle * (1 - share) / share;
  const target = Math.min(wanted, current * growth, limit);
  if (target <= current) return current;
  return Math.max(current, alignUp(rules, target, limit));
}

function alignDown(rules: ChunkRules, n: number): number {
  const a = Math.max(1, rules.align);
  return Math.max(a, Math.floor(n / a) * a);
}

function alignUp(rules: ChunkRules, n: number, limit: number): number {
  const a = Math.max(1, rules.align);
  return Math.min(limit, Math.ceil(n / a) * a);
}
