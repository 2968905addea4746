// Hash implementations for the engine's HasherFactory: node:crypto on the hot path (about 10x
// @noble/hashes here), and OneDrive's quickXorHash.
import { createHash } from 'node:crypto';
import type { HashAlgorithm, Hasher } from '../engine/hashing.js';
import { QuickXorHash } from './quickxor-hash.js';

export function createHasher(algorithm: HashAlgorithm): Hasher {
  if (algorithm === 'quickxor') {
    const q = new QuickXorHash();
    return { update: (d) => q.update(d), digest: () => q.digest().toString('base64') };
  }
  const h = createHash(algorithm);
  return { update: (d) => void h.update(d), digest: () => h.digest('hex') };
}
