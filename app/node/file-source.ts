// Local files: open with clear errors, positional reads into caller buffers, and the
// fingerprint (size, nanosecond mtime, SHA-1 of head and tail) that tells whether a file is
// still the one a session was started for. The path is looked at again (lstat, never followed)
// at each chunk so a file deleted, replaced or made unreadable mid-upload stops the upload.
import { createHash } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { FerryError } from '../common/errors.js';
import type { Fingerprint } from '../engine/journal.js';
import type { FileSource, FileStat, OpenFile, PathState } from '../engine/ports.js';

const EDGE = 64 * 1024;

export class NodeFileSource implements FileSource {
  async open(path: string): Promise<OpenFile> {
    let st;
    try {
      st = await fsp.stat(path, { bigint: true });
    } catch (e) {
      throw openError(path, e);
    }
    if (st.isDirectory()) throw new FerryError('file-not-regular', `${path} is a folder, not a file (add the folder to upload its files)`, { file: path });
    if (!st.isFile()) throw new FerryError('file-not-regular', `${path} is not a regular file (a pipe, socket or device cannot be uploaded)`, { file: path });
    // The CLI takes a link the user named: then the path is judged by what it points to.
    const viaLink = await fsp.lstat(path).then((l) => l.isSymbolicLink(), () => false);
    let fh: fsp.FileHandle;
    try {
      // O_NONBLOCK: a file swapped for a FIFO between stat and open must not hang us.
      fh = await fsp.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      throw openError(path, e);
    }
    const opened = await fh.stat({ bigint: true });
    if (!opened.isFile()) {
      await fh.close();
      throw new FerryError('file-not-regular', `${path} is not a regular file`, { file: path });
    }
    return new NodeOpenFile(path, fh, { dev: opened.dev, ino: opened.ino, viaLink }, opened.ctimeNs);
  }

  async fingerprint(f: OpenFile): Promise<Fingerprint> {
    const st = await f.stat();
    const h = createHash('sha1');
    const head = Buffer.allocUnsafe(Math.min(EDGE, st.size));
    const n1 = await f.read(head, head.length, 0);
    h.update(head.subarray(0, n1));
    if (st.size > EDGE) {
      const tailLen = Math.min(EDGE, st.size - EDGE);
      const tail = Buffer.allocUnsafe(tailLen);
      const n2 = await f.read(tail, tailLen, st.size - tailLen);
      h.update(tail.subarray(0, n2));
    }
    const link = f instanceof NodeOpenFile ? { link: f.viaLink } : {};
    return { size: st.size, mtimeNs: st.mtimeNs, headTail: h.digest('hex'), ...(st.ctimeNs ? { ctimeNs: st.ctimeNs } : {}), ...link };
  }
}

interface Identity {
  dev: bigint;
  ino: bigint;
  viaLink: boolean;
}

class NodeOpenFile implements OpenFile {
  /** The status-change time when the file was last known readable (it was when opened). */
  constructor(readonly path: string, private readonly fh: fsp.FileHandle, private readonly id: Identity, private readableAt: bigint) {}

  get viaLink(): boolean {
    return this.id.viaLink;
  }

  /**
   * Whether the path still names the file we hold open. While it is open its inode cannot be
   * reused, so another dev+ino at the path is another file. A symlink now in its place counts as
   * replaced and is never followed. Readability is the path's (access R_OK), as a fresh open would
   * see it, asked only when the ctime moved (a chmod, chown or ACL change always moves it): one
   * lstat per chunk otherwise.
   */
  async atPath(): Promise<PathState> {
    try {
      let st = await fsp.lstat(this.path, { bigint: true });
      if (this.id.viaLink && st.isSymbolicLink()) st = await fsp.stat(this.path, { bigint: true });
      // Some file systems report no inode numbers (0): identity cannot be told there.
      if (st.isSymbolicLink() || !st.isFile() || (st.ino !== 0n && (st.dev !== this.id.dev || st.ino !== this.id.ino))) return 'replaced';
      if (st.ctimeNs !== this.readableAt) {
        await fsp.access(this.path, constants.R_OK);
        this.readableAt = st.ctimeNs;
      }
      return 'same';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'deleted';
      if (code === 'ELOOP') return 'replaced';
      return 'unreadable';
    }
  }

  async stat(): Promise<FileStat> {
    const st = await this.fh.stat({ bigint: true });
    return { size: Number(st.size), mtimeNs: st.mtimeNs.toString(), ctimeNs: st.ctimeNs.toString() };
  }

  async read(buf: Buffer, length: number, position: number): Promise<number> {
    let got = 0;
    try {
      while (got < length) {
        const { bytesRead } = await this.fh.read(buf, got, length - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (e) {
      throw new FerryError('file-unreadable', `cannot read ${this.path}: ${(e as Error).message}`, { file: this.path }, { cause: e });
    }
    return got;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

function openError(path: string, e: unknown): FerryError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FerryError('file-missing', `${path} does not exist`, { file: path }, { cause: e });
  if (code === 'EACCES' || code === 'EPERM') return new FerryError('file-unreadable', `${path} cannot be read: permission denied`, { file: path }, { cause: e });
  if (code === 'ELOOP') return new FerryError('file-unreadable', `${path} is a symbolic link loop`, { file: path }, { cause: e });
  return new FerryError('file-unreadable', `${path} cannot be opened: ${(e as Error).message}`, { file: path }, { cause: e });
}
