// A transfer whose remote needs sign-in waits for the user as long as it takes: each look costs
// no attempt, so it is never given up; the UI says what to do.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { describeState } from '../../app/common/transfer.js';
import { classify } from '../../app/engine/classify.js';
import { DEFAULT_RETRY, decide, freshAttempts, record } from '../../app/engine/retry-policy.js';

describe('needs sign-in in the retry policy', () => {
  it('is a wait of signInPollMs that never counts as an attempt, however many times', () => {
    const v = classify(new FerryError('needs-sign-in', 'remote b needs sign-in'));
    expect(v).toEqual({ kind: 'sign-in' });
    let st = freshAttempts();
    for (let i = 0; i < 10_000; i++) {
      const d = decide(v, st, i * 5_000, DEFAULT_RETRY, () => 0.5);
      expect(d).toEqual({ do: 'retry', delayMs: DEFAULT_RETRY.signInPollMs, reason: 'sign-in' });
      st = record(st, d, i * 5_000);
    }
    expect(st.attempts).toBe(0);
  });

  it('shows "Needs sign-in" with the hint, not a countdown', () => {
    const text = describeState({ kind: 'waiting', offset: 5, until: 0, reason: 'sign-in', error: { code: 'needs-sign-in', message: 'remote b needs sign-in: run `ferry remote reconnect b`' } });
    expect(text).toBe('Needs sign-in: remote b needs sign-in: run `ferry remote reconnect b`');
  });
});
