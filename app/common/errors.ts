// One error base for the whole app. `code` is stable (UI text, retry policy and tests key on it);
// `message` is for people and always names the thing and the cause.

export type FerryErrorCode =
  // local file
  | 'file-missing'
  | 'file-not-regular'
  | 'file-unreadable'
  | 'file-changed'
  | 'file-short'
  // network and server
  | 'network'
  | 'stalled'
  | 'server-error'
  | 'rate-limited'
  | 'offset-mismatch'
  | 'session-gone'
  | 'auth'
  /** The account's sign-in ended (refresh token revoked or expired): waits for the user, loses nothing. */
  | 'needs-sign-in'
  | 'rejected'
  | 'name-conflict'
  | 'quota'
  | 'integrity'
  | 'protocol'
  // local state
  | 'disk-full'
  | 'journal-corrupt'
  | 'in-use'
  | 'bad-input'
  | 'cancelled'
  | 'paused'
  | 'internal';

export interface ErrorContext {
  method?: string;
  /** URL with query string and secrets removed. */
  url?: string;
  status?: number;
  offset?: number;
  file?: string;
  /** Milliseconds the server asked us to wait (Retry-After), already parsed. */
  retryAfterMs?: number;
  /** Provider-specific error code from the response body, e.g. `nameAlreadyExists`. */
  serverCode?: string;
}

export class FerryError extends Error {
  override readonly name = 'FerryError';
  readonly code: FerryErrorCode;
  readonly context: ErrorContext;

  constructor(code: FerryErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.context = context;
  }
}

export function isFerryError(e: unknown, code?: FerryErrorCode): e is FerryError {
  return e instanceof FerryError && (code === undefined || e.code === code);
}

/** A plain, serialisable view of an error, safe to show, log and send across IPC. */
export interface ErrorInfo {
  code: FerryErrorCode;
  message: string;
  status?: number;
}

export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof FerryError) {
    return e.context.status === undefined
      ? { code: e.code, message: e.message }
      : { code: e.code, message: e.message, status: e.context.status };
  }
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}
