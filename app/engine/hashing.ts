// Hash port: the engine asks for digests by name; app/node supplies the implementations.
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'quickxor' | 'crc32c';

export interface Hasher {
  update(data: Uint8Array): void;
  /**
   * Hex for md5/sha1/sha256; for crc32c the 8 hex digits of the 32-bit value, big-endian (the
   * same four bytes GCS reports in base64); base64 for quickxor (as OneDrive reports it).
   */
  digest(): string;
}

export type HasherFactory = (algorithm: HashAlgorithm) => Hasher;

/** Digests of each chunk of a file cut at `chunkSize` (the last one shorter), by algorithm, in chunk order. */
export interface ChunkDigestTable {
  chunkSize: number;
  size: number;
  digests: Partial<Record<HashAlgorithm, string[]>>;
}
