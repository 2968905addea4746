// The accounts:* channels' payloads are checked before a handler sees them (a renderer is
// untrusted input): unknown fields, wrong kinds and bad choices are refused naming the field.
import { describe, expect, it } from 'vitest';
import { emptyDraft } from '../../app/common/account-form.js';
import { validateCommand } from '../../app/common/api-validate.js';

const error = (channel: string, payload: unknown) => {
  const v = validateCommand(channel, payload);
  return v.ok ? 'ok' : v.error.message;
};

describe('accounts:* payloads', () => {
  it('accounts:add takes exactly the form’s fields', () => {
    expect(error('accounts:add', { ...emptyDraft('box'), name: 'b' })).toBe('ok');
    expect(error('accounts:add', { ...emptyDraft('box'), name: 'b', kind: 'oauth' })).toBe('accounts:add: request.kind is not a known field');
    expect(error('accounts:add', { ...emptyDraft('box'), name: 'b', method: 'password' })).toBe('accounts:add: request.method must be one of browser, device, token, none');
    expect(error('accounts:add', { ...emptyDraft('box'), name: '' })).toBe('accounts:add: request.name must not be empty');
  });

  it('accounts:remove must say what becomes of the queue; signIn methods are browser or device', () => {
    expect(error('accounts:remove', { name: 'b' })).toBe('accounts:remove: request.queued must be one of cancel, keep');
    expect(error('accounts:remove', { name: 'b', queued: 'keep' })).toBe('ok');
    expect(error('accounts:signIn', { name: 'b', method: 'token' })).toBe('accounts:signIn: request.method must be one of browser, device');
    expect(error('accounts:update', { name: 'b', place: 'syn1' })).toBe('ok');
  });
});
