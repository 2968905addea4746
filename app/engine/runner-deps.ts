// What one transfer's chunk loop (upload-runner.ts) is given by the scheduler.
import type { Digester } from './digester.js';
import type { HasherFactory } from './hashing.js';
import type { Journal } from './journal.js';
import type { Pace } from './pace.js';
import type { Clock, FileSource, Logger } from './ports.js';
import type { Provider } from './provider.js';
import type { RetryConfig } from './retry-policy.js';
import type { TransferEvent } from './transition.js';

export interface RunnerDeps {
  provider: Provider;
  files: FileSource;
  journal: Journal;
  clock: Clock;
  log: Logger;
  hashers: HasherFactory;
  /** Where digests are computed; in-thread with `hashers` when absent. */
  digester?: Digester;
  retry: RetryConfig;
  random: () => number;
  /** Queue-wide pause after a 429: every transfer waits until then before its next request. */
  throttle: { until: number };
  /** Resolves when requests may start (an upload window is open); engine/bandwidth.ts. */
  gate?: (signal: AbortSignal) => Promise<void>;
  /** Minimum interval between progress writes for protocols the server can be asked about. */
  progressWriteMs: number;
  /** Parts in flight and chunk sizing; one chunk at a time, sizes fixed, when absent. */
  pace?: Pace;
  emit(e: TransferEvent): void;
  /** Bytes sent so far, including within the current chunk (progress bar, speed); `confirmed` when the server holds them. */
  sent(bytes: number, confirmed?: boolean): void;
  /** The target's URL now; a saved session made against another URL is dropped, never contacted. */
  endpoint?: string;
  /** Test hook: called after each chunk the server accepted (crash harness). */
  afterChunk?: (offset: number) => void;
}
