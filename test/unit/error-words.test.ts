// Errors in words: every FerryError code has a human sentence and advice, and the wire text of
// the examples from issue 13 never reaches the summary line.
import { describe, expect, it } from 'vitest';
import { explainError, explainUnreachable, providerName } from '../../app/common/error-words.js';
import type { FerryErrorCode } from '../../app/common/errors.js';

const CODES: FerryErrorCode[] = ['file-missing', 'file-not-regular', 'file-unreadable', 'file-changed', 'file-short', 'network', 'stalled',
  'server-error', 'rate-limited', 'offset-mismatch', 'session-gone', 'auth', 'rejected', 'name-conflict', 'quota', 'integrity', 'protocol',
  'disk-full', 'journal-corrupt', 'in-use', 'bad-input', 'cancelled', 'paused', 'internal'];

describe('explainError', () => {
  it('gives every code a sentence and advice, and keeps the wire text as the detail', () => {
    for (const code of CODES) {
      const w = explainError({ code, message: 'OPTIONS http://127.0.0.1:9/x: connection refused' });
      expect(w.advice, code).toMatch(/^[A-Z].*\.$/);
      if (code === 'bad-input') continue;
      expect(w.summary, code).toMatch(/^[A-Z].*\.$/);
      expect(w.summary, code).not.toContain('127.0.0.1');
      expect(w.detail).toBe('OPTIONS http://127.0.0.1:9/x: connection refused');
    }
  });

  it('says a network failure in words and that Ferry retries', () => {
    const w = explainError({ code: 'network', message: 'OPTIONS http://127.0.0.1:9/2.0/files/content: connection refused' });
    expect(w.summary).toBe('Could not reach the server.');
    expect(w.advice).toMatch(/retries by itself/);
  });

  it('turns a validation message into a sentence about the field', () => {
    const w = explainError({ code: 'bad-input', message: 'targets:add: request.url must be an http(s) URL' });
    expect(w.summary).toBe('The address must start with http:// or https://.');
    expect(w.detail).toBe('targets:add: request.url must be an http(s) URL');
  });

  it('keeps an already-human bad-input message as it is', () => {
    expect(explainError({ code: 'bad-input', message: 'no target with id x; it may have been removed' }).summary).toBe('no target with id x; it may have been removed');
  });

  it('tells refused sign-in from a forbidden folder', () => {
    expect(explainError({ code: 'auth', message: 'x', status: 401 }).advice).toMatch(/Sign in/);
    expect(explainError({ code: 'auth', message: 'x', status: 403 }).summary).toMatch(/not allowed/);
  });
});

describe('explainUnreachable and provider names', () => {
  it('names the host without the exception class', () => {
    const w = explainUnreachable('Could not reach 127.0.0.1:9: TypeError');
    expect(w.summary).toBe('Could not reach 127.0.0.1:9.');
    expect(w.summary).not.toContain('TypeError');
    expect(w.detail).toContain('TypeError');
  });

  it('uses the names people know', () => {
    expect(['box', 'onedrive', 'synapse', 'redivis', 'ucloud', 'tus'].map(providerName)).toEqual(['Box', 'OneDrive', 'Synapse', 'Redivis', 'UCloud', 'tus']);
  });
});
