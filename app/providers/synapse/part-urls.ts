// Presigned part URLs, kept in memory with the time they were fetched. Synapse signs them for
// 15 minutes; we treat them as stale a little earlier so a slow part does not start on a URL
// that expires mid-body.
import type { PartPresignedUrl } from './wire.js';

export class PartUrlCache {
  private readonly urls = new Map<number, { url: PartPresignedUrl; at: number }>();

  constructor(private readonly now: () => number, private readonly maxAgeMs: number) {}

  /** The URL for `partNumber` when it is still fresh. */
  fresh(partNumber: number): PartPresignedUrl | undefined {
    const hit = this.urls.get(partNumber);
    if (!hit) return undefined;
    if (this.now() - hit.at > this.maxAgeMs) {
      this.urls.delete(partNumber);
      return undefined;
    }
    return hit.url;
  }

  store(urls: PartPresignedUrl[], at: number): void {
    for (const u of urls) this.urls.set(u.partNumber, { url: u, at });
  }

  forget(partNumber: number): void {
    this.urls.delete(partNumber);
  }

  clear(): void {
    this.urls.clear();
  }
}

/**
 * Which parts to ask URLs for: `partNumber` first, then the next missing parts after it up to
 * `batch` in all (the engine sends parts in ascending order), skipping held and fresh ones.
 */
export function batchFor(partNumber: number, total: number, batch: number, skip: (n: number) => boolean): number[] {
  const out = [partNumber];
  for (let n = partNumber + 1; n <= total && out.length < batch; n++) if (!skip(n)) out.push(n);
  return out;
}
