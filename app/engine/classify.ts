// Outcome classifier (fault catalogue): every error a transfer meets becomes one verdict.
// Retry decisions live in the policy (retry-policy.ts), never where errors are thrown.
import { FerryError } from '../common/errors.js';

export type Verdict =
  | { kind: 'transient' }
  | { kind: 'reconcile' }
  | { kind: 'rate-limited'; afterMs: number }
  | { kind: 'session-gone' }
  | { kind: 'auth' }
  | { kind: 'permanent' };

export function classify(e: unknown): Verdict {
  // Unknown errors are bugs or surprises: never retried.
  if (!(e instanceof FerryError)) return { kind: 'permanent' };
  switch (e.code) {
    case 'network':
    case 'stalled':
    case 'server-error':
      return { kind: 'transient' };
    case 'rate-limited':
      return { kind: 'rate-limited', afterMs: e.context.retryAfterMs ?? 1000 };
    case 'offset-mismatch':
      return { kind: 'reconcile' };
    case 'session-gone':
      return { kind: 'session-gone' };
    case 'auth':
      return { kind: 'auth' };
    default:
      return { kind: 'permanent' };
  }
}
