// Retry policy: a pure function of the verdict, what has happened so far and the clock.
// Ordered guard clauses, as in undici and ky. The runner resets `attempts` whenever the
// server-confirmed offset advances (tus-js-client's rule), so a long upload over a flaky link
// is never failed for the sum of its hiccups.
import type { Verdict } from './classify.js';

export interface RetryConfig {
  baseMs: number;
  capMs: number;
  /** Added on top of the exponential delay: uniform in [0, jitterMs]. */
  jitterMs: number;
  /** Attempts per chunk before the transfer is parked as failed. */
  maxAttempts: number;
  /** Wall time per chunk, from its first failure, before the transfer is parked. */
  budgetMs: number;
  /** Retry-After values above this are clamped (a server asking for a day gets 10 minutes). */
  maxRetryAfterMs: number;
  /** Offset reconciliations per chunk before "offset drift" is declared. */
  maxReconciles: number;
  /** New sessions per file per hour after the old one vanished. */
  maxNewSessionsPerHour: number;
  /** Re-reads of a chunk after the server reported a digest mismatch. */
  maxResends: number;
  /** How often a transfer whose account needs sign-in looks again (a local check, no request). */
  signInPollMs: number;
}

export const DEFAULT_RETRY: RetryConfig = {
  baseMs: 1_000,
  capMs: 64_000,
  jitterMs: 1_000,
  maxAttempts: 8,
  budgetMs: 10 * 60_000,
  maxRetryAfterMs: 10 * 60_000,
  maxReconciles: 2,
  maxNewSessionsPerHour: 2,
  maxResends: 1,
  signInPollMs: 5_000,
};

export interface AttemptState {
  /** Consecutive failed attempts at the current chunk. */
  attempts: number;
  /** When the current run of failures began. */
  firstFailureAt?: number;
  reconciles: number;
  resends: number;
  /** Times new sessions were created after a session vanished. */
  newSessions: number[];
}

export const freshAttempts = (): AttemptState => ({ attempts: 0, reconciles: 0, resends: 0, newSessions: [] });

export type Decision =
  | { do: 'retry'; delayMs: number; reason: 'backoff' | 'throttled' | 'sign-in' }
  | { do: 'reconcile' }
  | { do: 'resend' }
  | { do: 'new-session' }
  | { do: 'fail'; why: string };

export function decide(v: Verdict, st: AttemptState, now: number, cfg: RetryConfig, random: () => number): Decision {
  if (v.kind === 'permanent') return { do: 'fail', why: 'not retryable' };
  if (v.kind === 'auth') return { do: 'fail', why: 'the server rejected the token' };
  // Waiting for the user is not a failed attempt: however long it takes, nothing is given up.
  if (v.kind === 'sign-in') return { do: 'retry', delayMs: cfg.signInPollMs, reason: 'sign-in' };
  if (v.kind === 'session-gone') {
    const recent = st.newSessions.filter((t) => now - t < 3_600_000).length;
    return recent < cfg.maxNewSessionsPerHour ? { do: 'new-session' } : { do: 'fail', why: 'the server keeps losing the upload session' };
  }
  if (v.kind === 'reconcile') {
    return st.reconciles < cfg.maxReconciles ? { do: 'reconcile' } : { do: 'fail', why: 'offset drift: the server and Ferry disagree about what was received' };
  }
  if (v.kind === 'resend') {
    return st.resends < cfg.maxResends ? { do: 'resend' } : { do: 'fail', why: 'the server reported a checksum mismatch twice; the file may be changing or the disk failing' };
  }
  if (v.kind === 'rate-limited') {
    const wait = Math.min(Math.max(0, v.afterMs), cfg.maxRetryAfterMs);
    return { do: 'retry', delayMs: wait + Math.floor(random() * Math.min(cfg.jitterMs, 500)), reason: 'throttled' };
  }
  // transient
  if (st.attempts >= cfg.maxAttempts) return { do: 'fail', why: `gave up after ${st.attempts} attempts` };
  if (st.firstFailureAt !== undefined && now - st.firstFailureAt >= cfg.budgetMs) {
    return { do: 'fail', why: `gave up after ${Math.round((now - st.firstFailureAt) / 1000)}s of failures` };
  }
  const exp = Math.min(cfg.capMs, cfg.baseMs * 2 ** st.attempts);
  return { do: 'retry', delayMs: exp + Math.floor(random() * cfg.jitterMs), reason: 'backoff' };
}

/** The attempt state after a decision was taken. */
export function record(st: AttemptState, d: Decision, now: number): AttemptState {
  switch (d.do) {
    case 'retry':
      return d.reason !== 'backoff' ? st : { ...st, attempts: st.attempts + 1, firstFailureAt: st.firstFailureAt ?? now };
    case 'reconcile':
      return { ...st, reconciles: st.reconciles + 1 };
    case 'resend':
      return { ...st, resends: st.resends + 1 };
    case 'new-session':
      return { ...freshAttempts(), newSessions: [...st.newSessions.filter((t) => now - t < 3_600_000), now] };
    case 'fail':
      return st;
  }
}

/** Progress confirmed by the server: a new chunk starts with a clean slate (session history kept). */
export function onProgress(st: AttemptState): AttemptState {
  return { ...freshAttempts(), newSessions: st.newSessions };
}
