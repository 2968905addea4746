// The Add account form's checks: each provider's required choice, named in words, and the real
// addresses built in. Pure functions shared by the window and the service.
import { describe, expect, it } from 'vitest';
import { checkDraft, draftTarget, emptyDraft, PRESETS, type AccountDraft } from '../../app/common/account-form.js';
import type { ProviderId } from '../../app/common/transfer.js';

const draft = (provider: ProviderId, over: Partial<AccountDraft>): AccountDraft => ({ ...emptyDraft(provider), name: 'acct', ...over });
const messages = (d: AccountDraft) => checkDraft(d).map((e) => `${e.field}: ${e.message}`);

describe('Add account form', () => {
  it('builds in each provider’s real address', () => {
    expect(Object.fromEntries(Object.values(PRESETS).map((p) => [p.provider, p.url]))).toEqual({
      box: 'https://api.box.com', onedrive: 'https://graph.microsoft.com/v1.0', synapse: 'https://repo-prod.prod.sagebase.org',
      redivis: 'https://redivis.com', ucloud: 'https://cloud.sdu.dk', tus: undefined,
    });
    expect(draftTarget(draft('synapse', { method: 'token', token: 't', place: 'syn123' }))).toEqual({ url: 'https://repo-prod.prod.sagebase.org', options: { parentId: 'syn123' } });
  });

  it('Synapse needs a project or folder id (syn…)', () => {
    expect(messages(draft('synapse', { method: 'token', token: 't' }))).toEqual(['place: Project or folder is required (a Synapse id such as syn12345678)']);
    expect(messages(draft('synapse', { method: 'token', token: 't', place: '12345' }))).toEqual(['place: Project or folder must be a Synapse id such as syn12345678']);
    expect(messages(draft('synapse', { method: 'token', token: 't', place: 'syn12345' }))).toEqual([]);
  });

  it('Redivis needs a table written user.dataset.table', () => {
    expect(messages(draft('redivis', { method: 'token', token: 't', place: 'dataset.table' }))).toEqual(['place: Table must be written user.dataset.table']);
    expect(messages(draft('redivis', { method: 'token', token: 't', place: 'me.census.people' }))).toEqual([]);
  });

  it('Box folder is a number and defaults to 0 (All Files); browser sign-in needs the app’s client id and secret', () => {
    expect(messages(draft('box', { method: 'browser', place: 'Footage' }))).toEqual([
      'place: Box folder id must be a number (the digits at the end of the folder’s address; 0 is All Files)',
      'clientId: Client id is required (from your organisation’s app)',
      'clientSecret: Client secret is required (from your organisation’s app)',
    ]);
    const ok = draft('box', { method: 'browser', clientId: 'c', clientSecret: 's' });
    expect(checkDraft(ok)).toEqual([]);
    expect(draftTarget(ok).options).toEqual({ rootFolderId: '0' });
  });

  it('Box at another address (an emulator) must say where uploads go', () => {
    expect(messages(draft('box', { method: 'token', token: 't', address: 'http://127.0.0.1:5000' }))).toEqual(['uploadUrl: Upload address is required when the Box address is not api.box.com']);
    expect(messages(draft('box', { method: 'token', token: 't', address: 'http://127.0.0.1:5000', uploadUrl: 'http://127.0.0.1:5001/api' }))).toEqual([]);
  });

  it('OneDrive drive is me, drives/{id} or sites/{id}; Box has no device code', () => {
    expect(messages(draft('onedrive', { method: 'device', clientId: 'c', place: 'my files' }))).toEqual(['place: Drive or site library must be me, drives/{id} or sites/{id}']);
    expect(messages(draft('onedrive', { method: 'device', clientId: 'c', place: 'drives/b!abc' }))).toEqual([]);
    expect(messages(draft('onedrive', { method: 'browser', clientId: 'c', place: 'sites/contoso.sharepoint.com,1,2' }))).toEqual([]);
    expect(messages(draft('box', { method: 'device', clientId: 'c', clientSecret: 's' }))).toEqual(['method: Sign-in: Box offers “Sign in with the browser” or “Paste a token”']);
  });

  it('UCloud drive is a number; a token is required', () => {
    expect(messages(draft('ucloud', { method: 'token', place: 'home' }))).toEqual(['place: Drive must be the drive’s number', 'token: API token is required']);
  });

  it('tus needs its address; name and addresses are checked', () => {
    expect(messages(draft('tus', { method: 'none', name: '' }))).toEqual(['name: Name is required', 'address: Address is required for a tus server (its upload URL)']);
    expect(messages(draft('tus', { method: 'none', name: 'my box', address: 'ftp://x' }))).toEqual([
      'name: Name may use letters, digits, - and _ (at most 64), starting with a letter or digit',
      'address: Address must start with http:// or https://',
    ]);
  });
});
