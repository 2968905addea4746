// Chunk sizing and "what to send next": pure functions of the provider's rules and what the
// server holds.
import { FerryError } from '../common/errors.js';
import type { ChunkRules, ServerState } from './provider.js';

/** The chunk size to use: the request (or the default) clamped to [min, max] and aligned down. */
export function chooseChunkSize(rules: ChunkRules, requested?: number): number {
  if (requested !== undefined && (!Number.isSafeInteger(requested) || requested <= 0)) {
    throw new FerryError('bad-input', `chunk size must be a positive whole number of bytes, got ${requested}`);
  }
  let cs = requested ?? rules.defaultSize;
  cs = Math.max(rules.min, Math.min(rules.max, cs));
  if (rules.align > 1) cs = Math.max(rules.align, cs - (cs % rules.align));
  return cs;
}

export interface NextChunk {
  index: number;
  offset: number;
  length: number;
  final: boolean;
}

/**
 * The next chunk to send, or undefined when the server holds everything.
 * Offset protocols continue from the server's offset (which need not be chunk-aligned: GCS may
 * persist part of a chunk); part protocols send the lowest missing part. A 0-byte file is one
 * empty final chunk, sent unless the server already has it.
 */
export function nextChunk(st: ServerState, size: number, chunkSize: number, emptySent: boolean): NextChunk | undefined {
  if (st.kind === 'complete') return undefined;
  if (size === 0) return emptySent ? undefined : { index: 0, offset: 0, length: 0, final: true };
  if (st.kind === 'parts') {
    const parts = Math.ceil(size / chunkSize);
    const have = new Set(st.have);
    for (let i = 0; i < parts; i++) {
      if (have.has(i)) continue;
      const offset = i * chunkSize;
      const length = Math.min(chunkSize, size - offset);
      return { index: i, offset, length, final: offset + length >= size };
    }
    return undefined;
  }
  const offset = st.kind === 'offset' ? st.offset : 0;
  if (offset >= size) return undefined;
  const length = Math.min(chunkSize, size - offset);
  return { index: Math.floor(offset / chunkSize), offset, length, final: offset + length >= size };
}

/** Bytes the server holds, for progress. */
export function heldBytes(st: ServerState, size: number, chunkSize: number): number {
  if (st.kind === 'complete') return size;
  if (st.kind === 'offset') return Math.min(st.offset, size);
  if (st.kind === 'parts') return st.have.reduce((n, i) => n + Math.max(0, Math.min(chunkSize, size - i * chunkSize)), 0);
  return 0;
}
