// Hash port: the engine asks for digests by name; app/node supplies the implementations.
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'quickxor';

export interface Hasher {
  update(data: Uint8Array): void;
  /** Hex for md5/sha1/sha256; base64 for quickxor (as OneDrive reports it). */
  digest(): string;
}

export type HasherFactory = (algorithm: HashAlgorithm) => Hasher;
