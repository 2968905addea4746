// Browser uploads to the host. A browser has no local paths, so the host UI streams each
// dropped or picked file here first (POST /api/files), then adds the staged copy like any other
// path. Files of one drop share a batch folder, keeping their relative layout, so a dropped
// folder keeps its name and structure on the remote side. Staged copies are removed once their
// transfer is done or cancelled (failed ones stay for retry).
import { createWriteStream, promises as fsp } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../common/errors.js';
import { isInside } from '../common/path-guard.js';
import type { TransferView } from '../common/transfer.js';

export function cleanRelative(rel: string): string[] {
  const parts = rel.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0 || parts.some((s) => s === '..' || s.includes('\0') || /^[A-Za-z]:$/.test(s))) {
    throw new FerryError('bad-input', `staged file name ${JSON.stringify(rel)} is not a plain relative path`);
  }
  return parts;
}

export class StagingArea {
  constructor(readonly dir: string) {}

  /** Streams a request body into `<dir>/<batch>/<rel>`; answers the file and the top-level entry to add. */
  async receive(batch: string, rel: string, body: IncomingMessage): Promise<{ localPath: string; top: string }> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(batch)) throw new FerryError('bad-input', 'staging batch id must be 1-64 letters, digits, - or _');
    const parts = cleanRelative(rel);
    const root = join(this.dir, batch);
    const localPath = join(root, ...parts);
    await fsp.mkdir(dirname(localPath), { recursive: true, mode: 0o700 });
    const out = createWriteStream(localPath, { flags: 'wx', mode: 0o600 }).on('error', () => undefined);
    try {
      await pipeline(body, out);
      const fh = await fsp.open(localPath, 'r+');
      await fh.sync().finally(() => fh.close());
    } catch (e) {
      await fsp.rm(localPath, { force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new FerryError('bad-input', `${parts.join('/')} was already staged in this batch`);
      if (code === 'ENOSPC') throw new FerryError('disk-full', `cannot stage ${parts.join('/')}: the host's disk is full`);
      throw new FerryError('file-short', `staging ${parts.join('/')} was interrupted: ${(e as Error).message}`);
    }
    return { localPath, top: join(root, parts[0]!) };
  }

  /** Deletes staged copies whose transfer reached done or cancelled. */
  async sweep(views: readonly TransferView[]): Promise<void> {
    for (const v of views) {
      if ((v.state.kind === 'done' || v.state.kind === 'cancelled') && isInside(v.localPath, this.dir)) {
        await fsp.rm(v.localPath, { force: true }).catch(() => undefined);
      }
    }
  }
}
