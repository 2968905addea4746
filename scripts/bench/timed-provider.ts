// Wraps a provider so the bench child can time the phases of one upload without touching the
// engine: the engine calls create, then sendChunk for every chunk, then finish.
import { LONE_STREAM_SLICE, STREAM_RING, STREAM_SLICE } from '../../app/engine/chunk-stream.js';
import { inFlightFor, paceFrom, streams } from '../../app/engine/pace.js';
import type { Provider, ProviderFactory } from '../../app/engine/provider.js';

export interface Phases {
  createStart?: number;
  createEnd?: number;
  firstChunkStart?: number;
  lastChunkEnd?: number;
  finishStart?: number;
  finishEnd?: number;
  chunks: number;
  chunkSize?: number;
  /** Requests sent through the transport (create, chunks, status, finish...). */
  requests: number;
  /**
   * File bytes held for sending at once, as the engine sizes them for this session (default
   * pace): a streamed chunk's slice ring per part in flight, or each held chunk.
   */
  readBufferBytes?: number;
  /** Each sendChunk: [start, end] (the clock given) and the chunk's bytes, in the order they ended. */
  timeline?: [number, number, number][];
}

export function timedFactory(make: ProviderFactory, t: Phases, now: () => number): ProviderFactory {
  return (o) => {
    const http = { ...o.http, request: (r: Parameters<typeof o.http.request>[0]) => { t.requests++; return o.http.request(r); } };
    const p = make({ ...o, http });
    // Inherit everything (rules, integrity, classify...) and override only the timed calls.
    const w = Object.create(p) as Provider & Record<string, unknown>;
    w.create = async (job, signal) => {
      t.createStart ??= now();
      const s = await p.create(job, signal);
      t.createEnd = now();
      t.chunkSize = s.chunkSize;
      const n = inFlightFor(p, paceFrom({}));
      t.readBufferBytes = streams(p, s) ? STREAM_RING * (n === 1 ? LONE_STREAM_SLICE : STREAM_SLICE) * n : s.chunkSize * n;
      return s;
    };
    w.sendChunk = async (s, job, chunk, ctx) => {
      const start = now();
      t.firstChunkStart ??= start;
      const r = await p.sendChunk(s, job, chunk, ctx);
      t.lastChunkEnd = now();
      t.chunks++;
      (t.timeline ??= []).push([start, t.lastChunkEnd, chunk.body ? chunk.body.length : chunk.data.length]);
      return r;
    };
    w.finish = async (s, job, digests, signal) => {
      t.finishStart = now();
      const r = await p.finish(s, job, digests, signal);
      t.finishEnd = now();
      return r;
    };
    return w;
  };
}
