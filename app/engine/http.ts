// HTTP port used by providers. Implementations throw FerryError('network' | 'stalled' |
// 'cancelled') for transport failures and return every HTTP status as a response.
/**
 * A request body read as it is sent (a chunk streamed from the file), so a large chunk costs no
 * memory. Sent with Content-Length `length`; each call of `read()` starts from the first byte
 * again (a retry re-reads the file). The Buffers it yields may be reused once the next is asked for.
 */
export interface StreamBody {
  readonly length: number;
  read(): AsyncIterable<Buffer>;
}

export function isStreamBody(b: unknown): b is StreamBody {
  return typeof b === 'object' && b !== null && !Buffer.isBuffer(b) && typeof (b as StreamBody).read === 'function';
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string | StreamBody;
  signal?: AbortSignal;
  /** Called as body bytes are handed to the socket, with the body's bytes sent so far. */
  onSent?: (bytes: number) => void;
  /**
   * The bandwidth limit (engine/bandwidth.ts), set by the engine: asked before each slice of the
   * body leaves, resolves with how many of `want` bytes may go now (at least 1). Waiting here is
   * not a stall.
   */
  pace?: (want: number, signal: AbortSignal) => Promise<number>;
  /** Abort when no byte moves in either direction for this long (stall watchdog). */
  idleTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface Http {
  request(req: HttpRequest): Promise<HttpResponse>;
  close?(): Promise<void>;
  /**
   * The bandwidth limit for bytes a provider sends outside request bodies (UCloud's upload
   * socket), set by the engine (engine/bandwidth.ts): asked before each slice, tells how many of
   * `want` bytes may go now (at least 1). A plain number when they may go at once (no limit), so
   * an unlimited sender pays no await per slice; a promise when they must wait. Waiting here is
   * not a stall.
   */
  pace?(want: number, signal: AbortSignal): number | Promise<number>;
}
