// Shapes shared by every provider emulator: options, statistics, fault rules.

export interface EmulatorOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Bind address. Emulators are for loopback; anything else must be asked for explicitly. */
  host?: string;
  /** Where sessions and completed files are stored. Required unless `discard` is set. */
  dataDir?: string;
  /** Benchmark mode: protocol checked, bytes counted, nothing stored. */
  discard?: boolean;
  /** Bearer token the API accepts. A random one is made when absent. */
  token?: string;
  /** Connections idle longer than this are cut (UCloud: "MUST NOT wait indefinitely"). */
  idleTimeoutMs?: number;
  /**
   * Slow-drip guard (fault row 43) for every request body: a body that brings fewer than this
   * many bytes per second over a whole `rateWindowMs` is cut (the connection is closed). Default
   * 1024 B/s; 0 turns it off. Real servers bound slow bodies too (Node's requestTimeout, nginx's
   * client_body_timeout); the exact rate is ours [U].
   */
  minBodyBytesPerSec?: number;
  /** Window over which `minBodyBytesPerSec` is judged. Default: the idle timeout. */
  rateWindowMs?: number;
  /** Injected clock for session expiry; defaults to Date.now. */
  now?: () => number;
  /** An authorization server's tokens (app/emulators/auth): when set, the host checks every bearer token. */
  auth?: BearerCheck;
}

/**
 * Bearer tokens issued by an emulated authorization server. A request whose token is `valid`
 * reaches the emulator as if it carried the emulator's own token; any other bearer token is
 * answered by `reject` in the service's own 401/403 shape. Requests without Authorization (signed
 * upload URLs) are left to the emulator.
 */
export interface BearerCheck {
  valid(token: string): boolean;
  reject(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void;
}

export interface EmulatorStats {
  requests: number;
  bytesReceived: number;
  sessionsCreated: number;
  sessionsDeleted: number;
}

export interface EmulatorFile {
  /** Remote path as the provider would show it, always starting with '/'. */
  path: string;
  size: number;
  /** Hex SHA-256 of the stored bytes; null in discard mode, where nothing is stored. */
  sha256: string | null;
}

/**
 * A scripted fault, consumed by the first `times` requests that match.
 * - respond: answer with this status before reading the body.
 * - reset: destroy the connection before reading the body.
 * - truncate: persist only the first `bytes` bytes of this request's body, then destroy the connection.
 * - commit-then-reset: apply the request fully, then destroy the connection instead of answering.
 */
export type FaultAction =
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'reset' }
  | { kind: 'truncate'; bytes: number }
  | { kind: 'commit-then-reset' };

export interface FaultRule {
  method?: string;
  /** Matches when the request path (without query) contains this string. */
  path?: string;
  /** Only requests that carry a body of at least one byte (data requests, not status queries). */
  withBody?: boolean;
  /** Skip this many matching requests before the rule fires. */
  after?: number;
  times?: number;
  action: FaultAction;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  bytes: number;
  headers: Record<string, string>;
  at: number;
}
