// Presigned part URLs for one upload, fetched in batches: parts in flight share a batch on its
// way, the next batch is asked for before the parts ahead run out, and the parts one batch
// releases together start spread over a round trip (README "Parts in flight").
import { FerryError } from '../../common/errors.js';
import { batchFor, type PartUrlCache } from './part-urls.js';
import type { PartPresignedUrl } from './wire.js';

const URL_BATCH = 32;
/** The next batch is fetched once fewer URLs than this are in hand for the parts ahead (two windows of six). */
const PREFETCH_AHEAD = 12;
/**
 * Parts released by one URL batch start spread over this many times that call's duration (≈ one
 * round trip). Measured (WAN bench, chunk phase, 2 runs each): long path 0 → ~3610 ms, 1 → ~3420,
 * 2 → ~3430; medium path 0 → ~6050, 1 → ~6090, 2 → ~6110 (a late start costs a flow its share).
 */
const STAGGER_RTTS = 1;

/** The URL side of an upload's state. */
export interface UrlState {
  uploadId: string;
  total: number;
  /** 0-based indexes of parts the server has added. */
  have: Set<number>;
  urls: PartUrlCache;
  /** A batch of part URLs being fetched (parts in flight ask at once). */
  fetching?: Promise<void>;
  /** Parts that waited for the batch being fetched, and how long the last batch took (≈ one round trip). */
  waiters: number;
  batchMs: number;
}

export interface UrlSourceDeps {
  fetch(uploadId: string, partNumbers: number[], signal: AbortSignal): Promise<PartPresignedUrl[]>;
  /** The local clock: URL ages and the batch's round trip are local against local. */
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export function partUrlSource(d: UrlSourceDeps): { urlFor(st: UrlState, partNumber: number, signal: AbortSignal): Promise<PartPresignedUrl> } {
  const now = d.now;
  const urlFor = async (st: UrlState, partNumber: number, signal: AbortSignal): Promise<PartPresignedUrl> => {
    // With parts in flight, another part's batch may already be on its way with this URL in it.
    if (!st.urls.fresh(partNumber) && st.fetching) {
      const turn = ++st.waiters;
      await st.fetching.catch(() => undefined);
      // Parts released together by one batch would share the link equally, end together and then
      // all wait for their answers at once: a round trip with nothing sent, at every round. Started
      // a fraction of a round trip apart, their ends spread and each answer's wait overlaps others'
      // sending (README "Parts in flight").
      const gap = st.waiters < 2 ? 0 : Math.round(Math.min(1, turn / st.waiters) * st.batchMs * STAGGER_RTTS);
      if (gap > 0) await d.sleep(gap, signal);
    }
    const cached = st.urls.fresh(partNumber);
    if (cached) {
      prefetch(st, partNumber, signal);
      return cached;
    }
    await fetchBatch(st, batchFor(partNumber, st.total, URL_BATCH, heldOrFresh(st)), signal);
    const got = st.urls.fresh(partNumber);
    if (!got) throw new FerryError('protocol', `Synapse gave no upload URL for part ${partNumber} of upload ${st.uploadId}`);
    return got;
  };

  const heldOrFresh = (st: UrlState) => (n: number): boolean => st.have.has(n - 1) || st.urls.fresh(n) !== undefined;

  const fetchBatch = (st: UrlState, wanted: number[], signal: AbortSignal): Promise<void> => {
    const at = now();
    st.waiters = 0;
    const fetching = d.fetch(st.uploadId, wanted, signal).then((urls) => {
      st.urls.store(urls, at);
      st.batchMs = Math.max(0, now() - at);
    });
    st.fetching = fetching;
    void fetching.catch(() => undefined).finally(() => {
      if (st.fetching === fetching) delete st.fetching;
    });
    return fetching;
  };

  /**
   * The next batch is asked for while the parts before it are still going, so no part waits a
   * round trip for its URL mid-upload. A failed prefetch is not reported: the part that lacks its
   * URL then asks again and gets the error.
   */
  const prefetch = (st: UrlState, partNumber: number, signal: AbortSignal): void => {
    if (st.fetching) return;
    let ahead = 0;
    for (let n = partNumber + 1; n <= st.total; n++) {
      if (st.have.has(n - 1)) continue;
      if (st.urls.fresh(n) === undefined) {
        if (ahead < PREFETCH_AHEAD) void fetchBatch(st, batchFor(n, st.total, URL_BATCH, heldOrFresh(st)), signal).catch(() => undefined);
        return;
      }
      if (++ahead >= PREFETCH_AHEAD) return;
    }
  };
  return { urlFor };
}
