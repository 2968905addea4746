// One entry per provider for the cross-provider suites: how to start its emulator with limits
// small enough for tests, the chunk size to ask for, and what its API can do.
import type { ProviderId } from '../../app/common/transfer.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { EMULATORS } from '../../app/emulators/registry.js';

export interface ProviderCase {
  id: ProviderId;
  /** Chunk size the engine is asked for (the session may impose its own, e.g. Box). */
  chunkSize: number;
  /** Emulator options beyond dataDir. */
  emulator: Record<string, unknown>;
  /** Client options beyond what the registry's endpointFor gives. */
  client: Record<string, string>;
  /** The API can delete an upload session (cancel removes it on the server). */
  canDelete: boolean;
  /** The provider accepts empty files. */
  emptyFiles: boolean;
}

const KiB = 1024;

export const CASES: ProviderCase[] = [
  // CHUNKED: its resume is byte-exact from the journal (the suites assert at most one chunk
  // re-sent); WEBSOCKET_V2 restarts a file on every new connection (ucloud-websocket.test.ts).
  { id: 'ucloud', chunkSize: 256 * KiB, emulator: { protocol: 'CHUNKED' }, client: {}, canDelete: false, emptyFiles: true },
  { id: 'redivis', chunkSize: 256 * KiB, emulator: {}, client: { pollIntervalMs: '20' }, canDelete: true, emptyFiles: true },
  { id: 'tus', chunkSize: 256 * KiB, emulator: {}, client: {}, canDelete: true, emptyFiles: true },
  { id: 'onedrive', chunkSize: 320 * KiB, emulator: {}, client: { simpleUploadMaxBytes: String(320 * KiB) }, canDelete: true, emptyFiles: true },
  { id: 'synapse', chunkSize: 256 * KiB, emulator: { minPartSize: 256 * KiB }, client: { partSize: String(256 * KiB) }, canDelete: false, emptyFiles: false },
  { id: 'box', chunkSize: 256 * KiB, emulator: { partSize: 256 * KiB, minSessionFileSize: 256 * KiB }, client: { sessionThreshold: String(256 * KiB) }, canDelete: true, emptyFiles: true },
] as ProviderCase[];

export async function startCaseEmulator(c: ProviderCase, dataDir: string, extra: Record<string, unknown> = {}): Promise<RunningEmulator> {
  return EMULATORS[c.id].emulate({ dataDir, ...c.emulator, ...extra } as never);
}
