// The folder watcher port, driven by the test: each `watch` is recorded, and the test feeds
// events and errors through the sink of the current one.
import type { Watcher, WatchOptions, WatchSubscription } from '../../app/engine/watcher.js';

export class FakeWatcher implements Watcher {
  readonly name = 'fake';
  readonly started: WatchOptions[] = [];
  closed = 0;

  watch(opts: WatchOptions): WatchSubscription {
    this.started.push(opts);
    return { ready: Promise.resolve(), close: async () => { this.closed++; } };
  }

  /** The latest watch (its sink is where events go). */
  get current(): WatchOptions {
    const w = this.started.at(-1);
    if (!w) throw new Error('FakeWatcher: nothing is being watched');
    return w;
  }
}
