// Watcher adapter on chokidar 5 (node fs.watch underneath). Never follows symlinks, reports
// no initial events (the folder walks the tree itself), and turns chokidar's errors into
// per-path FerryErrors: a folder it cannot read is reported and the rest stays watched.
import { watch, type FSWatcher } from 'chokidar';
import { relative, sep } from 'node:path';
import type { Stats } from 'node:fs';
import { FerryError } from '../common/errors.js';
import type { Watcher, WatchEventKind, WatchOptions, WatchSubscription } from '../engine/watcher.js';

const NON_FATAL = new Set(['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'ELOOP']);

export function toRel(root: string, abs: string): string {
  const rel = relative(root, abs);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

export function watchError(err: unknown, root: string, backend: string): { error: FerryError; fatal: boolean } {
  const e = err as NodeJS.ErrnoException;
  const where = typeof e?.path === 'string' ? toRel(root, e.path) || '.' : '.';
  const code = e?.code ?? '';
  const fatal = !NON_FATAL.has(code);
  const why = code === 'EACCES' || code === 'EPERM'
    ? 'permission denied'
    : code === 'ENOSPC'
      ? 'the system limit on watched folders was reached (raise fs.inotify.max_user_watches)'
      : e?.message ?? String(err);
  return {
    error: new FerryError('file-unreadable', `Cannot watch '${where}' in ${root} (${backend}): ${why}`, { file: where }, { cause: err }),
    fatal,
  };
}

export class ChokidarWatcher implements Watcher {
  readonly name = 'chokidar';

  watch(opts: WatchOptions): WatchSubscription {
    const { root, sink } = opts;
    const isIgnored = (abs: string, stats?: Stats): boolean => {
      const rel = toRel(root, abs);
      if (rel === '' || rel.startsWith('..')) return false;
      if (stats) return opts.ignored(stats.isDirectory() ? `${rel}/` : rel);
      // chokidar asks once without stats; a folder rule must still keep it from descending.
      return opts.ignored(rel) || opts.ignored(`${rel}/`);
    };
    const w: FSWatcher = watch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      ignorePermissionErrors: false,
      atomic: false,
      persistent: true,
      ignored: isIgnored,
    });
    const forward = (kind: WatchEventKind) => (abs: string) => {
      const rel = toRel(root, abs);
      if (rel !== '' && !rel.startsWith('..')) sink.events([{ kind, path: rel }]);
    };
    w.on('add', forward('add'));
    w.on('change', forward('change'));
    w.on('unlink', forward('unlink'));
    w.on('addDir', forward('addDir'));
    w.on('unlinkDir', forward('unlinkDir'));
    w.on('error', (err: unknown) => {
      const { error, fatal } = watchError(err, root, 'chokidar');
      sink.error(error, fatal);
      // The folder's subtree may hold changes chokidar will now never report.
      if (!fatal && error.context.file && error.context.file !== '.') sink.overflow(error.context.file);
    });
    const ready = new Promise<void>((resolve) => w.once('ready', () => resolve()));
    return { ready, close: () => w.close() };
  }
}
