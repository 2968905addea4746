// Error text a transfer shows (UI, IPC, the CLI's JSON) may quote what a server sent back, and a
// server can echo a request's secrets in its error body. Before an error enters a transfer's
// state, the account token, the session's capabilities and every URL query string are removed.
import type { ErrorInfo } from '../common/errors.js';
import { redactText } from '../common/redact.js';
import type { Logger } from './ports.js';
import type { Json } from './provider.js';

export const scrubText = redactText;

export function scrubError(e: ErrorInfo, secrets: Iterable<string>): ErrorInfo {
  const message = scrubText(e.message, secrets);
  return message === e.message ? e : { ...e, message };
}

const SECRET_NAME = /token|secret|auth|key|sig|credential|upload_id/i;

/**
 * Capabilities held in a session reference: string values under secret-sounding keys (UCloud's
 * upload token) and such query parameters of its URLs (Graph's tempauth, GCS's upload_id, which
 * may also appear on its own in a server's message).
 */
export function refSecrets(ref: Json | undefined, key = ''): string[] {
  if (typeof ref === 'string') {
    if (SECRET_NAME.test(key)) return [ref];
    if (!/^https?:\/\//.test(ref)) return [];
    try {
      return [...new URL(ref).searchParams].filter(([k, v]) => SECRET_NAME.test(k) && v.length >= 8).map(([, v]) => v);
    } catch {
      return [];
    }
  }
  if (Array.isArray(ref)) return ref.flatMap((x) => refSecrets(x, key));
  if (ref && typeof ref === 'object') return Object.entries(ref).flatMap(([k, v]) => refSecrets(v, k));
  return [];
}

/** A logger for one transfer: its session's capabilities are removed from every string field. */
export function scrubbingLogger(log: Logger, secrets: () => string[]): Logger {
  const clean = (fields?: Record<string, unknown>): Record<string, unknown> | undefined => {
    if (!fields) return fields;
    const s = secrets();
    return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? scrubText(v, s) : v]));
  };
  return {
    info: (m, f) => log.info(scrubText(m, secrets()), clean(f)),
    warn: (m, f) => log.warn(scrubText(m, secrets()), clean(f)),
    error: (m, f) => log.error(scrubText(m, secrets()), clean(f)),
  };
}
