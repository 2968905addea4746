// One account in the Accounts tab: its state in words (signed in, waiting for the browser, the
// code to type, needs sign-in, failed), Test connection, Edit (rename, folder), Sign in again
// and Remove (which asks what becomes of its unfinished transfers).
import type { AccountSummary, Bridge } from '../app/common/api.js';
import { PRESETS } from '../app/common/account-form.js';
import { h } from './dom.js';
import type { Notices } from './notices.js';

/** Host: sign-in pages open in a new tab, once per address. */
const opened = new Set<string>();

export function accountCard(bridge: Bridge, notices: Notices, a: AccountSummary): HTMLElement {
  const p = PRESETS[a.provider];
  const place = p.place ? `${p.place.label}: ${a.options[p.place.option] ?? p.place.fallback ?? ''}` : a.url;
  const statusText = a.status === 'ok' ? 'signed in' : a.status === 'needs-sign-in' ? 'needs sign-in' : a.signIn?.step === 'failed' ? 'sign-in failed' : 'signing in…';
  const result = h('span', { class: 'check', role: 'status' });
  const btn = (label: string, aria: string, run: () => void, primary = false) => {
    const b = h('button', { type: 'button', text: label, 'aria-label': aria, class: primary ? 'primary' : undefined });
    b.addEventListener('click', run);
    return b;
  };
  const fail = (what: string) => (r: { ok: boolean; error?: { code: string; message: string } }) => {
    if (!r.ok && r.error) notices.error(what, r.error as never);
  };
  const signIn = (method?: 'browser' | 'device') => () => {
    if (a.kind === 'static') return void showTokenBox();
    void bridge.invoke('accounts:signIn', { name: a.name, ...(method ? { method } : {}) }).then((r) => {
      if (!r.ok) return notices.error(`Could not sign in to ${a.name}`, r.error);
      if (r.value.signIn?.step === 'browser') openSignIn(bridge, r.value.signIn.url);
    });
  };
  const extra = h('div', { class: 'card-extra' });
  const showTokenBox = () => {
    const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', 'aria-label': `New ${p.tokenLabel ?? 'token'} for ${a.name}` });
    const save = btn('Save', `Save the new token for ${a.name}`, () => {
      void bridge.invoke('accounts:signIn', { name: a.name, token: token.value }).then(fail(`Could not sign in to ${a.name}`));
    }, true);
    extra.replaceChildren(h('label', { class: 'field' }, h('span', { text: p.tokenLabel ?? 'Token' }), token), save);
  };
  const showEdit = () => {
    const name = h('input', { name: 'newName', value: a.name, 'aria-label': `New name for ${a.name}` });
    const placeIn = p.place ? h('input', { name: 'place', value: a.options[p.place.option] ?? '', 'aria-label': `${p.place.label} for ${a.name}` }) : undefined;
    const save = btn('Save', `Save changes to ${a.name}`, () => {
      void bridge.invoke('accounts:update', { name: a.name, ...(name.value !== a.name ? { newName: name.value } : {}), ...(placeIn ? { place: placeIn.value } : {}) })
        .then((r) => (r.ok ? notices.show(`Saved ${r.value.name}`) : notices.error(`Could not change ${a.name}`, r.error)));
    }, true);
    extra.replaceChildren(h('label', { class: 'field' }, h('span', { text: 'Name' }), name),
      ...(placeIn && p.place ? [h('label', { class: 'field' }, h('span', { text: p.place.label }), placeIn)] : []), save);
  };
  const askRemove = () => {
    const go = (queued: 'cancel' | 'keep') => () => void bridge.invoke('accounts:remove', { name: a.name, queued }).then(fail(`Could not remove ${a.name}`));
    extra.replaceChildren(h('div', { class: 'remove-question', role: 'group', 'aria-label': `Remove ${a.name}?` },
      h('span', { text: `Remove ${a.name}? Its unfinished transfers can be cancelled, or kept paused in the queue (they continue when an account named ${a.name} is added again).` }),
      btn('Remove and cancel its transfers', `Remove ${a.name} and cancel its transfers`, go('cancel'), true),
      btn('Remove, keep transfers paused', `Remove ${a.name} and keep its transfers paused`, go('keep')),
      btn('Keep the account', `Keep ${a.name}`, () => extra.replaceChildren())));
  };

  const state = h('div', { class: 'sign-in-state' });
  const s = a.signIn;
  if (s?.step === 'browser') {
    openSignIn(bridge, s.url);
    state.append(h('span', { text: 'Waiting for you to sign in in the browser… ' }),
      h('a', { href: s.url, target: '_blank', rel: 'noopener noreferrer', class: 'sign-in-link', text: 'Open the sign-in page' }),
      btn('Cancel', `Cancel signing in to ${a.name}`, () => void bridge.invoke('accounts:cancelSignIn', { name: a.name })));
    // The provider sends the browser back to 127.0.0.1 on the machine Ferry runs on.
    if (bridge.kind === 'http') state.append(h('span', { class: 'muted', text: 'The browser must run on the computer the Ferry host runs on; over SSH, sign in with a code (OneDrive) or paste a token.' }));
  } else if (s?.step === 'code') {
    state.append(h('span', { text: 'On any device, open ' }),
      h('a', { href: s.verificationUri, target: '_blank', rel: 'noopener noreferrer', class: 'verification-uri', text: s.verificationUri }),
      h('span', { text: ' and enter the code ' }), h('strong', { class: 'user-code', text: s.userCode }),
      btn('Cancel', `Cancel signing in to ${a.name}`, () => void bridge.invoke('accounts:cancelSignIn', { name: a.name })));
  } else if (s?.step === 'failed') {
    state.append(h('span', { class: 'check bad sign-in-failed', text: `Sign-in did not complete: ${s.message}` }),
      btn('Try again', `Try signing in to ${a.name} again`, signIn(), true));
  } else if (a.status === 'needs-sign-in') {
    state.append(h('span', { class: 'check bad', text: `Needs sign-in${a.statusReason ? ` (${a.statusReason})` : ''}: its transfers wait and continue once you sign in again.` }),
      btn('Sign in again', `Sign in again to ${a.name}`, signIn(), true));
  }
  const test = btn('Test connection', `Test connection to ${a.name}`, () => {
    result.textContent = 'Signing in…';
    result.className = 'check';
    void bridge.invoke('accounts:test', { name: a.name }).then((r) => {
      const good = r.ok && r.value.ok;
      result.className = `check ${good ? 'good' : 'bad'}`;
      result.textContent = r.ok ? r.value.message : r.error.message;
    });
  });
  const saved = a.status !== 'signing-in';
  return h('li', { class: `card account account-${a.status}`, 'data-account': a.name },
    h('div', { class: 'card-title' }, h('strong', { text: a.name }), h('span', { class: `badge status-${a.status}`, text: statusText })),
    h('div', { class: 'muted', text: `${p.label} · ${hostOf(a.url)} · ${place}` }),
    state,
    h('div', { class: 'card-actions' },
      ...(saved ? [test, ...(a.status === 'ok' ? [btn('Sign in again', `Sign in to ${a.name} again`, signIn())] : []), btn('Edit', `Edit ${a.name}`, showEdit)] : []),
      btn('Remove', `Remove ${a.name}`, saved ? askRemove : () => void bridge.invoke('accounts:remove', { name: a.name, queued: 'keep' })), result),
    extra);
}

/** Desktop: the service opened the system browser. Host: a new tab (the page asked for it by a click moments ago). */
function openSignIn(bridge: Bridge, url: string): void {
  if (bridge.kind !== 'http' || opened.has(url)) return;
  opened.add(url);
  window.open(url, '_blank', 'noopener');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
