// HTTP port used by providers. Implementations throw FerryError('network' | 'stalled' |
// 'cancelled') for transport failures and return every HTTP status as a response.
export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  signal?: AbortSignal;
  /** Called as body bytes are handed to the socket. */
  onSent?: (bytes: number) => void;
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
