import { describe, expect, it } from 'vitest';
import { decide, DEFAULT_RETRY, freshAttempts, onProgress, record, type AttemptState } from '../../app/engine/retry-policy.js';
import { classify } from '../../app/engine/classify.js';
import { FerryError } from '../../app/common/errors.js';

const cfg = DEFAULT_RETRY;
const T0 = 1_000_000;

describe('retry policy', () => {
  it('backs off exponentially with additive jitter, capped (row 5)', () => {
    let st = freshAttempts();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const d = decide({ kind: 'transient' }, st, T0, cfg, () => 0.5);
      expect(d.do).toBe('retry');
      if (d.do !== 'retry') return;
      delays.push(d.delayMs);
      const base = Math.min(cfg.capMs, cfg.baseMs * 2 ** i);
      expect(d.delayMs).toBeGreaterThanOrEqual(base);
      expect(d.delayMs).toBeLessThanOrEqual(base + cfg.jitterMs);
      st = record(st, d, T0);
    }
    expect(delays[7]).toBe(64_000 + 500);
    // Attempts exhausted: the transfer is parked, not retried forever.
    expect(decide({ kind: 'transient' }, st, T0, cfg, () => 0).do).toBe('fail');
  });

  it('resets the attempt counter when the server-confirmed offset advances', () => {
    let st: AttemptState = freshAttempts();
    for (let i = 0; i < 5; i++) st = record(st, decide({ kind: 'transient' }, st, T0, cfg, () => 0), T0);
    expect(st.attempts).toBe(5);
    st = onProgress(st);
    const d = decide({ kind: 'transient' }, st, T0, cfg, () => 0);
    expect(d).toEqual({ do: 'retry', delayMs: 1_000, reason: 'backoff' });
  });

  it('gives up when the wall budget per chunk is spent', () => {
    const st = { ...freshAttempts(), attempts: 1, firstFailureAt: T0 };
    expect(decide({ kind: 'transient' }, st, T0 + cfg.budgetMs, cfg, () => 0).do).toBe('fail');
  });

  it('honours Retry-After and clamps absurd values (row 8)', () => {
    expect(decide({ kind: 'rate-limited', afterMs: 7_000 }, freshAttempts(), T0, cfg, () => 0)).toEqual({ do: 'retry', delayMs: 7_000, reason: 'throttled' });
    const day = decide({ kind: 'rate-limited', afterMs: 86_400_000 }, freshAttempts(), T0, cfg, () => 0);
    expect(day).toEqual({ do: 'retry', delayMs: cfg.maxRetryAfterMs, reason: 'throttled' });
  });

  it('never retries unknown errors or permanent failures', () => {
    expect(classify(new Error('boom'))).toEqual({ kind: 'permanent' });
    expect(decide(classify(new TypeError('x')), freshAttempts(), T0, cfg, () => 0).do).toBe('fail');
    expect(decide(classify(new FerryError('rejected', 'HTTP 400')), freshAttempts(), T0, cfg, () => 0).do).toBe('fail');
    expect(decide(classify(new FerryError('auth', 'HTTP 401')), freshAttempts(), T0, cfg, () => 0).do).toBe('fail');
  });

  it('reconciles at most twice per chunk, then reports offset drift (row 12)', () => {
    let st = freshAttempts();
    for (let i = 0; i < 2; i++) {
      const d = decide({ kind: 'reconcile' }, st, T0, cfg, () => 0);
      expect(d.do).toBe('reconcile');
      st = record(st, d, T0);
    }
    const d = decide({ kind: 'reconcile' }, st, T0, cfg, () => 0);
    expect(d.do).toBe('fail');
    expect(d.do === 'fail' && d.why).toMatch(/offset drift/);
  });

  it('creates at most two new sessions per file per hour (row 16)', () => {
    let st = freshAttempts();
    for (let i = 0; i < 2; i++) {
      const d = decide({ kind: 'session-gone' }, st, T0 + i, cfg, () => 0);
      expect(d.do).toBe('new-session');
      st = record(st, d, T0 + i);
    }
    expect(decide({ kind: 'session-gone' }, st, T0 + 10, cfg, () => 0).do).toBe('fail');
    expect(decide({ kind: 'session-gone' }, st, T0 + 3_600_001, cfg, () => 0).do).toBe('new-session');
  });

  it('resends once after a digest mismatch, then fails', () => {
    const st = record(freshAttempts(), { do: 'resend' }, T0);
    expect(decide({ kind: 'resend' }, freshAttempts(), T0, cfg, () => 0).do).toBe('resend');
    expect(decide({ kind: 'resend' }, st, T0, cfg, () => 0).do).toBe('fail');
  });

  it('classifies network, 5xx and stalls as transient, 409-offset as reconcile', () => {
    expect(classify(new FerryError('network', 'reset'))).toEqual({ kind: 'transient' });
    expect(classify(new FerryError('stalled', 'stall'))).toEqual({ kind: 'transient' });
    expect(classify(new FerryError('server-error', '503'))).toEqual({ kind: 'transient' });
    expect(classify(new FerryError('offset-mismatch', '409'))).toEqual({ kind: 'reconcile' });
    expect(classify(new FerryError('rate-limited', '429', { retryAfterMs: 3000 }))).toEqual({ kind: 'rate-limited', afterMs: 3000 });
  });
});
