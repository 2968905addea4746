// How hard one upload drives its path: parts sent at once and chunk sizes from the path's timing.
// Defaults suit a long, fast link; settings can force the old one-at-a-time, fixed-size pace.
import type { Provider, Session } from './provider.js';

export interface Pace {
  /** Parts of one file on the wire at once for providers whose parts are independent (Box, Synapse); the default when absent. */
  partsInFlight?: number;
  /** Grow the chunk size of ordered uploads from each chunk's timing (off when the user fixed a chunk size). */
  adaptChunks: boolean;
  /**
   * The largest chunk the sizer picks. Only streamed chunks grow (no chunk buffer), so this bounds
   * what one dropped connection can cost, not memory; the sizer itself keeps a chunk to about 20
   * round trips of sending time.
   */
  chunkCeiling: number;
}

export interface PaceSettings {
  /** Parts of one file sent at once for unordered providers; 1 forces one at a time. Default 2 (4 when parts stream). */
  partsInFlight?: number;
  /** Requested chunk size: when set, chunks stay that size. */
  chunkSize?: number;
  /** Largest chunk size the engine grows to on its own (bytes). Default 256 MiB. */
  chunkCeiling?: number;
}

/** Parts held in memory while sent: two on the wire and one read ahead, three buffers. */
export const DEFAULT_PARTS_IN_FLIGHT = 2;
/**
 * Parts streamed from the file cost no chunk buffer (a 4 MiB ring each): enough to hide two round
 * trips per 8 MiB part (Synapse's PUT and add) at 1 Gbit/s and 100 ms. Measured (256 MiB, WAN
 * long path, shared machine): Synapse 0.78 of one TCP stream with 4, 0.86 with 6, 0.87 with 8.
 */
export const DEFAULT_STREAMED_PARTS_IN_FLIGHT = 6;
/** One chunk at a time at the chosen size: the pace before parts in flight and path sizing. */
export const STEADY: Pace = { partsInFlight: 1, adaptChunks: false, chunkCeiling: Number.MAX_SAFE_INTEGER };
/**
 * 256 MiB: at 1 Gbit/s and 100 ms a chunk must be ~240 MB for the idle round trip to be 5 % of it.
 * Measured (1 GiB, WAN long path): with 64 MiB, tus 0.86 and Redivis 0.81 of one TCP stream;
 * with 256 MiB, 0.92 and 0.95.
 */
export const DEFAULT_CHUNK_CEILING = 256 * 1024 * 1024;

export function paceFrom(s: PaceSettings): Pace {
  return {
    ...(s.partsInFlight !== undefined ? { partsInFlight: Math.max(1, Math.floor(s.partsInFlight)) } : {}),
    adaptChunks: s.chunkSize === undefined,
    chunkCeiling: Math.max(1, s.chunkCeiling ?? DEFAULT_CHUNK_CEILING),
  };
}

/** Parts on the wire at once for this provider: ordered protocols take one chunk after another. */
export function inFlightFor(p: Pick<Provider, 'ordered' | 'streamsChunks' | 'maxPartsInFlight'>, pace: Pace): number {
  if (p.ordered) return 1;
  const want = pace.partsInFlight ?? (p.streamsChunks ? DEFAULT_STREAMED_PARTS_IN_FLIGHT : DEFAULT_PARTS_IN_FLIGHT);
  return Math.max(1, Math.min(want, p.maxPartsInFlight ?? want));
}

/** Whether this session's chunks are streamed from the file. */
export function streams(p: Pick<Provider, 'streamsChunks'>, session: Session): boolean {
  return typeof p.streamsChunks === 'function' ? p.streamsChunks(session) : p.streamsChunks === true;
}
