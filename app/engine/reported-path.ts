// Fault row 37: where a finished upload ended up is the server's word (a driveItem's name and
// parent, a Synapse entity's name, a Redivis upload's name, a rename on conflict). That path is
// shown (CLI, window, event stream) and kept (journal, sync index); it never becomes a local
// path. A server that answers with `..`, an empty or `.` segment, a drive letter, a backslash
// (`C:\`, UNC), a NUL, a terminal escape or a bidi override is not believed: the transfer is done
// and shows the path Ferry asked for (checked before any request), and the log says what the
// server claimed, escaped.
import { escapeControls, hasControls } from '../common/terminal-text.js';
import type { Logger } from './ports.js';

/** Why `path` is not a plain absolute remote path, or undefined when it is one. */
export function notPlainPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) return 'it is not an absolute path';
  if (hasControls(path)) return 'it holds a control or bidi character';
  if (path.includes('\\')) return 'it holds a backslash';
  const segs = path.slice(1).split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..')) return 'it holds an empty, "." or ".." segment';
  if (segs.some((s) => /^[A-Za-z]:$/.test(s))) return 'it holds a drive letter';
  return undefined;
}

/** The path a done transfer shows: the server's when it is a plain path, else the one asked for. */
export function shownRemotePath(asked: string, reported: unknown, log: Logger, transfer: string): string {
  const why = notPlainPath(reported);
  if (why === undefined) return reported as string;
  log.warn('the server reported the uploaded file under a path that is not a plain remote path; showing the path Ferry asked for', {
    transfer, asked, reported: escapeControls(String(reported)), why,
  });
  return asked;
}
