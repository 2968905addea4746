// Picks the watcher adapter. @parcel/watcher is the default: on the 100,000-file benchmark
// (scripts/bench-sync.mjs) it subscribes in well under a second at a fraction of chokidar's
// memory; chokidar stays available (`FERRY_WATCHER=chokidar`) as the pure-JS fallback, and is
// used automatically when parcel's native binary cannot load on this platform.
import type { Watcher } from '../engine/watcher.js';
import { ChokidarWatcher } from '../node/watcher-chokidar.js';

export async function createWatcher(name: string | undefined = process.env.FERRY_WATCHER): Promise<Watcher> {
  if (name === 'chokidar') return new ChokidarWatcher();
  if (name !== undefined && name !== '' && name !== 'parcel') {
    throw new Error(`unknown watcher '${name}' (known: parcel, chokidar)`);
  }
  try {
    const { ParcelWatcher } = await import('../node/watcher-parcel.js');
    return new ParcelWatcher();
  } catch {
    return new ChokidarWatcher();
  }
}
