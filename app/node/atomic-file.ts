// Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over
// the target, fsync the directory. After a crash the target holds the old or the new content,
// never a mix. Renames that fail with EPERM/EBUSY (Windows scanners) are retried briefly; there
// is no fallback to a non-atomic write.
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FerryError } from '../common/errors.js';

export const TEMP_MARK = '.tmp-';

/** The one fs call that differs per platform here; tests inject Windows' rename errors (fault row 24). */
export interface RenameFacade {
  rename(from: string, to: string): Promise<void>;
}

const nodeFs: RenameFacade = { rename: (a, b) => fsp.rename(a, b) };

export async function writeFileAtomic(path: string, data: string | Buffer, fs: RenameFacade = nodeFs): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `${basename(path)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await fsp.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await renameWithRetry(tmp, path, fs);
    await fsyncDir(dir);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new FerryError('disk-full', `cannot save ${path}: the disk is full`, { file: path }, { cause: e });
    }
    if (e instanceof FerryError) throw e;
    throw new FerryError('internal', `cannot save ${path}: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}

async function renameWithRetry(from: string, to: string, fs: RenameFacade): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await fs.rename(from, to);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES') || i >= 10) throw e;
      await new Promise((r) => setTimeout(r, 50 * (i + 1)));
    }
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  // Directories cannot be opened for fsync on Windows; the rename is durable enough there.
  if (process.platform === 'win32') return;
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
