// One refresh at a time per account across every process sharing $FERRY_HOME. Box and Synapse
// refresh tokens are single-use: two processes redeeming the same one leave one of them signed
// out (box-java-sdk issue 164). The lock is a file created with O_EXCL holding the owner's pid;
// it is stale when that process is gone (SIGKILL mid-refresh) or it is older than `staleMs`.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../common/errors.js';
import type { Clock } from '../engine/ports.js';
import { processAlive as alive } from '../node/process-alive.js';

export interface RefreshLock {
  /** Resolves with a release function once this process holds the account's refresh lock. */
  acquire(account: string, signal?: AbortSignal): Promise<() => Promise<void>>;
}

export class FileRefreshLock implements RefreshLock {
  constructor(
    private readonly dir: string,
    private readonly clock: Clock,
    private readonly opts: { pollMs?: number; staleMs?: number; waitMs?: number } = {},
  ) {}

  async acquire(account: string, signal?: AbortSignal): Promise<() => Promise<void>> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${account}.refresh.lock`);
    const started = this.clock.now();
    const waitMs = this.opts.waitMs ?? 60_000;
    for (;;) {
      // Written in full beside it, then hard-linked into place: the lock appears with its pid
      // already in it, so no reader ever sees an empty lock and mistakes it for a stale one.
      const tmp = `${path}.${process.pid}.${Math.floor(Math.random() * 1e9)}`;
      await fsp.writeFile(tmp, `${process.pid} ${this.clock.now()}`, { mode: 0o600 });
      try {
        await fsp.link(tmp, path);
        return () => fsp.rm(path, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        await fsp.rm(tmp, { force: true });
      }
      if (await this.stale(path)) {
        await fsp.rm(path, { force: true });
        continue;
      }
      if (this.clock.now() - started > waitMs) {
        throw new FerryError('in-use', `another Ferry process has been refreshing the credentials of ${account} for over ${Math.round(waitMs / 1000)}s`);
      }
      await this.clock.sleep(this.opts.pollMs ?? 50, signal);
    }
  }

  private async stale(path: string): Promise<boolean> {
    const text = await fsp.readFile(path, 'utf8').catch(() => '');
    const [pidText, atText] = text.split(' ');
    const pid = Number(pidText);
    const at = Number(atText);
    if (!Number.isInteger(pid) || pid <= 0) return text === '' ? false : true;
    if (pid !== process.pid && !alive(pid)) return true;
    return Number.isFinite(at) && this.clock.now() - at > (this.opts.staleMs ?? 120_000);
  }
}
