// The bandwidth limit is for the computer, not for each process: the app, `ferry host` and a
// `ferry upload` in a terminal share one $FERRY_HOME and so one limit. Each process that is sending
// under the limit keeps a lease in $FERRY_HOME/pace/ (its pid and the time of its last beat, from
// the Clock port: file times would be the kernel's, not the clock every process reads), and takes
// 1/N of the rate, N being the live leases. A process that stops sending removes its lease within
// ACTIVE_MS + BEAT_MS; one that crashed is dropped when its pid is gone or its beat is STALE_MS old.
// No timer runs while the process is not sending.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { BandwidthShare, Clock } from '../engine/ports.js';
import { processAlive } from './process-alive.js';

/** How often a sending process renews its lease and counts the others. */
export const BEAT_MS = 1_000;
/** Sending within this long counts as sending (a chunk's round trip sends nothing for a moment). */
export const ACTIVE_MS = 5_000;
/** A lease not renewed for this long belongs to a process that is no longer sending. */
export const STALE_MS = 3 * BEAT_MS;

interface Lease {
  pid: number;
  at: number;
}

export class FilePaceShare implements BandwidthShare {
  private n = 1;
  private lastSend = -Infinity;
  private running: Promise<void> | undefined;
  private readonly stop = new AbortController();
  private readonly own: string;

  constructor(private readonly dir: string, private readonly clock: Clock, private readonly pid = process.pid) {
    this.own = `${pid}-${randomBytes(4).toString('hex')}.json`;
  }

  /** The pace folder of a state folder. */
  static in(home: string, clock: Clock): FilePaceShare {
    return new FilePaceShare(join(home, 'pace'), clock);
  }

  sharers(): number {
    return this.n;
  }

  sending(): void {
    this.lastSend = this.clock.now();
    if (!this.running && !this.stop.signal.aborted) this.running = this.beat();
  }

  /** Ends the beat and removes this process's lease (shutdown). */
  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
    await this.drop();
  }

  /** Renews the lease and counts the others while sending; then removes the lease and ends. */
  private async beat(): Promise<void> {
    while (!this.stop.signal.aborted && this.clock.now() - this.lastSend <= ACTIVE_MS) {
      try {
        await this.renew();
        this.n = 1 + (await this.others());
      } catch {
        // The folder cannot be written or read: the limit is this process's alone until it can.
        this.n = 1;
      }
      try {
        await this.clock.sleep(BEAT_MS, this.stop.signal);
      } catch {
        break; // closed
      }
    }
    await this.drop();
    this.running = undefined;
    // Sending again while the lease was being removed: beat again.
    if (!this.stop.signal.aborted && this.clock.now() - this.lastSend <= ACTIVE_MS) this.running = this.beat();
  }

  private async renew(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const lease: Lease = { pid: this.pid, at: this.clock.now() };
    // Written aside and renamed, so a reader never sees half a lease.
    const tmp = join(this.dir, `.${this.own}.tmp`);
    await fsp.writeFile(tmp, JSON.stringify(lease), { mode: 0o600 });
    await fsp.rename(tmp, join(this.dir, this.own));
  }

  /** Live leases of other processes; a dead process's lease is removed. */
  private async others(): Promise<number> {
    const now = this.clock.now();
    let count = 0;
    for (const name of await fsp.readdir(this.dir)) {
      if (name === this.own || !name.endsWith('.json') || name.startsWith('.')) continue;
      const lease = await readLease(join(this.dir, name));
      if (!lease) continue;
      if (!processAlive(lease.pid)) {
        await fsp.rm(join(this.dir, name), { force: true }).catch(() => undefined);
        continue;
      }
      // A beat from the future (another clock) counts no longer than a fresh one.
      if (Math.abs(now - lease.at) <= STALE_MS) count++;
    }
    return count;
  }

  private async drop(): Promise<void> {
    await fsp.rm(join(this.dir, this.own), { force: true }).catch(() => undefined);
  }
}

async function readLease(path: string): Promise<Lease | undefined> {
  try {
    const v = JSON.parse(await fsp.readFile(path, 'utf8')) as Partial<Lease>;
    return Number.isSafeInteger(v.pid) && v.pid! > 0 && Number.isFinite(v.at) ? (v as Lease) : undefined;
  } catch {
    // Removed meanwhile, or not a lease: not a sharer.
    return undefined;
  }
}
