// A chunk's length and request body whether the engine holds its bytes (`data`) or streams them
// from the file (`body`, for providers that declare `streamsChunks`).
import type { StreamBody } from '../../engine/http.js';
import type { Chunk } from '../../engine/provider.js';

export function chunkLength(chunk: Pick<Chunk, 'data' | 'body'>): number {
  return chunk.body ? chunk.body.length : chunk.data.length;
}

export function chunkBody(chunk: Pick<Chunk, 'data' | 'body'>): Buffer | StreamBody {
  return chunk.body ?? chunk.data;
}
