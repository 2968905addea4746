// What the curl baseline's two helper processes share: the provider built the way the engine
// builds it, the upload job the engine would make, and the hand-over between prepare and finish.
import { basename } from 'node:path';
import type { HashAlgorithm } from '../../app/engine/hashing.js';
import type { Http } from '../../app/engine/http.js';
import type { Provider, Session, UploadJob } from '../../app/engine/provider.js';
import { chooseChunkSize } from '../../app/engine/chunk-plan.js';
import { benchEntry } from './providers.js';
import { systemClock } from '../../app/node/system-clock.js';

export interface CurlInput {
  provider: string;
  url: string;
  token: string;
  options: Record<string, string>;
  file: string;
  remotePath: string;
  chunkSize?: number;
  /** Folder for the pre-split chunk files (tmpfs when /dev/shm exists). */
  partsDir: string;
  /** Where to write the curl config. */
  config: string;
  /** How curl sends a body: `upload-file` (-T, streamed from the file) or `data-binary` (@file, read whole first). */
  body: 'upload-file' | 'data-binary';
}

/** Handed from the prepare process to the finish process (never printed: session URLs are capabilities). */
export interface Prepared {
  input: CurlInput;
  session: Session;
  job: UploadJob;
  digests: Partial<Record<HashAlgorithm, string>>;
  requests: number;
  bodies: number;
  chunkSize: number;
  /** The last body request completes the upload and there is nothing to call afterwards (OneDrive). */
  lastCompletes: boolean;
  prepareMs: number;
}

export function makeProvider(input: CurlInput, http: Http): Provider {
  return benchEntry(input.provider).create({ endpoint: { url: input.url, token: input.token }, http, clock: systemClock, options: input.options });
}

export function makeJob(p: Provider, input: CurlInput, size: number, mtimeMs: number): UploadJob {
  return {
    file: { path: input.file, name: basename(input.remotePath), size, mtimeMs },
    target: { remotePath: input.remotePath, conflict: 'rename' },
    chunkSize: chooseChunkSize(p.rules, input.chunkSize),
    digests: {},
  };
}
