// The per-chunk digest a provider sends: the one the engine computed off the main thread
// (`Chunk.digests`) when it did, otherwise computed here so a caller that offers none still works.
import { createHash } from 'node:crypto';
import { FerryError } from '../../common/errors.js';
import type { Chunk } from '../../engine/provider.js';

export type ChunkDigestAlgorithm = 'md5' | 'sha1' | 'sha256';

/** Lower-case hex digest of exactly `chunk.data`. */
export function chunkDigestHex(chunk: Pick<Chunk, 'data' | 'digests'> & Partial<Pick<Chunk, 'body' | 'offset'>>, algorithm: ChunkDigestAlgorithm): string {
  const given = chunk.digests?.[algorithm];
  // A streamed chunk's bytes are not at hand: its digest must come from the engine.
  if (given === undefined && chunk.body) throw new FerryError('internal', `a streamed chunk at ${chunk.offset} came without its ${algorithm} digest`);
  return given !== undefined ? given.toLowerCase() : createHash(algorithm).update(chunk.data).digest('hex');
}

/** The same digest in base64 (tus Upload-Checksum). */
export function chunkDigestBase64(chunk: Pick<Chunk, 'data' | 'digests'> & Partial<Pick<Chunk, 'body' | 'offset'>>, algorithm: ChunkDigestAlgorithm): string {
  return Buffer.from(chunkDigestHex(chunk, algorithm), 'hex').toString('base64');
}
