// Outcome classifier (fault catalogue): every error a transfer meets becomes one verdict.
// Retry decisions live in the policy (retry-policy.ts), never where errors are thrown.
import { FerryError } from '../common/errors.js';

export type Verdict =
  | { kind: 'transient' }
  | { kind: 'reconcile' }
  | { kind: 'rate-limited'; afterMs: number }
  | { kind: 'session-gone' }
  | { kind: 'auth' }
  /** The account's sign-in ended: wait (nothing lost) until the user signs in again. */
  | { kind: 'sign-in' }
  /** The server says the bytes arrived wrong: re-read the chunk from disk and resend once. */
  | { kind: 'resend' }
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
    case 'needs-sign-in':
      return { kind: 'sign-in' };
    case 'integrity':
      // Part-level digest mismatch (tus 460, Box 412, Synapse ADD_FAILED). A whole-file
      // mismatch after completion is raised as 'integrity' by the engine itself and is final.
      return { kind: 'resend' };
    default:
      return { kind: 'permanent' };
  }
}
