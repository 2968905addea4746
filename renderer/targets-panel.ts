// Targets: the accounts uploads go to. Add one, test its connection, remove it. Tokens go in
// once and never come back (the list shows only whether one is stored).
import type { AccountSummary, Bridge, TargetSummary } from '../app/common/api.js';
import type { ConflictPolicy, ProviderId } from '../app/common/transfer.js';
import { PROVIDER_IDS } from '../app/common/transfer.js';
import { explainUnreachable, providerName } from '../app/common/error-words.js';
import { errorBlock } from './error-view.js';
import { h } from './dom.js';
import type { Notices } from './notices.js';
import { accountCard } from './account-card.js';
import { accountForm } from './account-form.js';

export function targetsPanel(bridge: Bridge, notices: Notices): { el: HTMLElement; update(t: TargetSummary[]): void } {
  const list = h('ul', { class: 'cards', 'aria-label': 'Targets' });
  const field = (label: string, input: HTMLElement) => h('label', { class: 'field' }, h('span', { text: label }), input);
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const provider = h('select', { name: 'provider' }, ...PROVIDER_IDS.map((p) => h('option', { value: p, text: providerName(p) })));
  const url = h('input', { name: 'url', type: 'url', required: true, placeholder: 'https://…' });
  const token = h('input', { name: 'token', type: 'password', autocomplete: 'off' });
  const root = h('input', { name: 'remoteRoot', value: '/' });
  const conflict = h('select', { name: 'conflict' }, ...['rename', 'replace', 'fail'].map((c) => h('option', { value: c, text: c })));
  const form = h('form', { class: 'add-form', 'aria-label': 'Add a target' },
    h('h3', { text: 'Add a custom endpoint (any provider, typed address and token)' }),
    field('Name', name), field('Provider', provider), field('API URL', url), field('Token', token),
    field('Remote folder', root), field('If the name exists', conflict),
    h('button', { type: 'submit', text: 'Add target' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void bridge.invoke('targets:add', {
      name: name.value, provider: provider.value as ProviderId, url: url.value, token: token.value,
      remoteRoot: root.value || '/', conflict: conflict.value as ConflictPolicy, options: {},
    }).then((r) => {
      if (!r.ok) return notices.error('Could not add the account', r.error);
      token.value = '';
      notices.show(`Added ${r.value.name}`);
    });
  });

  const card = (t: TargetSummary) => {
    const result = h('span', { class: 'check', role: 'status' });
    const test = h('button', { type: 'button', text: 'Test connection', 'aria-label': `Test connection to ${t.name}` });
    test.addEventListener('click', () => {
      result.textContent = 'Testing…';
      result.className = 'check';
      void bridge.invoke('targets:test', { id: t.id }).then((r) => {
        const good = r.ok && r.value.ok;
        result.className = `check ${good ? 'good' : 'bad'}`;
        // A failed test says what to do; the raw reason ("…: TypeError") is behind a disclosure.
        if (good) result.textContent = r.value.message;
        else result.replaceChildren(errorBlock(explainUnreachable(r.ok ? r.value.message : r.error.message)));
      });
    });
    const remove = h('button', { type: 'button', text: 'Remove', 'aria-label': `Remove ${t.name}`, disabled: t.sandbox });
    remove.addEventListener('click', () => {
      void bridge.invoke('targets:remove', { id: t.id }).then((r) => {
        if (!r.ok) notices.error(`Could not remove ${t.name}`, r.error);
      });
    });
    return h('li', { class: 'card' },
      h('div', { class: 'card-title' }, h('strong', { text: t.name }), t.sandbox ? h('span', { class: 'badge', text: 'sandbox' }) : ''),
      h('div', { class: 'muted', text: `${providerName(t.provider)} · ${hostOf(t.url)} · into ${t.remoteRoot} · ${t.sandbox ? 'on this computer' : t.hasToken ? 'signed in' : 'not signed in'}` }),
      h('div', { class: 'card-actions' }, test, remove, result));
  };

  // Accounts (signed-in remotes) above the manual "custom endpoint" form; each is also the target remote-<name>.
  const accounts = h('ul', { class: 'cards', 'aria-label': 'Accounts' });
  const showAccounts = (all: AccountSummary[]) => accounts.replaceChildren(...all.map((a) => accountCard(bridge, notices, a)));
  const addAccount = accountForm(bridge, notices, (a) => notices.show(a.status === 'signing-in' ? `Signing in to ${a.name}…` : `Added ${a.name}`));
  bridge.on('accounts:changed', showAccounts);
  void bridge.invoke('accounts:list', null).then((r) => (r.ok ? showAccounts(r.value) : notices.error('Could not list the accounts', r.error)));
  return {
    el: h('section', { class: 'panel-body' }, h('div', { class: 'stack-col' }, accounts, list),
      h('div', { class: 'stack-col' }, h('div', { class: 'account-slot', 'data-slot': 'accounts' }, addAccount), form)),
    update(targets) {
      list.replaceChildren(...targets.filter((t) => !t.id.startsWith('remote-')).map(card));
    },
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
