// HTTP port used by providers. Implementations throw FerryError('network' | 'stalled' |
// 'cancelled') for transport failures and return every HTTP status as a response.
export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  signal?: AbortSignal;
  /** Called as body bytes are handed to the socket, with the count handed over so far (cumulative). */
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
}
