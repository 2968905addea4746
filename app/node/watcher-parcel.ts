// Watcher adapter on @parcel/watcher 2 (native: inotify, FSEvents, ReadDirectoryChangesW).
// It reports creates/updates/deletes without saying whether a path is a folder, which is fine:
// the folder re-stats every path it is told about. Ignore rules are applied here because
// parcel's own ignore list takes globs, not gitignore rules.
import parcel from '@parcel/watcher';
import { FerryError } from '../common/errors.js';
import type { Watcher, WatchEvent, WatchEventKind, WatchOptions, WatchSubscription } from '../engine/watcher.js';
import { toRel, watchError } from './watcher-chokidar.js';

const KIND: Record<parcel.EventType, WatchEventKind> = { create: 'add', update: 'change', delete: 'unlink' };

function ignoredWithParents(rel: string, ignored: (rel: string) => boolean): boolean {
  const parts = rel.split('/');
  let prefix = '';
  for (let i = 0; i < parts.length - 1; i++) {
    prefix = prefix === '' ? parts[i]! : `${prefix}/${parts[i]}`;
    if (ignored(`${prefix}/`)) return true;
  }
  return ignored(rel) || ignored(`${rel}/`);
}

export class ParcelWatcher implements Watcher {
  readonly name = 'parcel';

  watch(opts: WatchOptions): WatchSubscription {
    const { root, sink } = opts;
    let closed = false;
    const onEvents = (err: Error | null, events: parcel.Event[]): void => {
      if (closed) return;
      if (err) {
        // parcel reports dropped events (queue overflow) and backend trouble here; either way
        // the watch goes on, but the tree must be walked to catch what was missed.
        sink.error(new FerryError('file-unreadable', `Watching ${root} (parcel): ${err.message}`, { file: '.' }, { cause: err }), false);
        sink.overflow('');
        return;
      }
      const batch: WatchEvent[] = [];
      for (const ev of events) {
        const rel = toRel(root, ev.path);
        if (rel === '' || rel.startsWith('..') || ignoredWithParents(rel, opts.ignored)) continue;
        batch.push({ kind: KIND[ev.type], path: rel });
      }
      if (batch.length > 0) sink.events(batch);
    };
    const sub = parcel.subscribe(root, onEvents).catch((err: unknown) => {
      const { error } = watchError(err, root, 'parcel');
      sink.error(error, true);
      return undefined;
    });
    return {
      ready: sub.then(() => undefined),
      close: async () => {
        closed = true;
        await (await sub)?.unsubscribe();
      },
    };
  }
}
