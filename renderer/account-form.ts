// "Add account": pick a provider, and the form asks only what that provider needs (its real
// address is built in; an emulator or proxy goes under Advanced). Checked before sending with the
// same words the service uses; each error sits under its field.
import type { AccountSummary, Bridge } from '../app/common/api.js';
import { checkDraft, emptyDraft, METHOD_WORDS, PRESETS, type AccountDraft, type SignInMethod } from '../app/common/account-form.js';
import { PROVIDER_IDS, type ProviderId } from '../app/common/transfer.js';
import { h } from './dom.js';
import type { Notices } from './notices.js';

type TextField = Exclude<keyof AccountDraft, 'provider' | 'method'>;

export function accountForm(bridge: Bridge, notices: Notices, added: (a: AccountSummary) => void): HTMLFormElement {
  const inputs = {} as Record<TextField, HTMLInputElement>;
  const errors = {} as Record<keyof AccountDraft, HTMLElement>;
  const rows = {} as Record<keyof AccountDraft, HTMLElement>;
  const labels = {} as Record<keyof AccountDraft, HTMLElement>;
  const row = (key: keyof AccountDraft, label: string, control: HTMLElement) => {
    labels[key] = h('span', { text: label });
    errors[key] = h('span', { class: 'field-error', id: `account-${key}-error`, role: 'alert' });
    rows[key] = h('label', { class: 'field', 'data-field': key }, labels[key], control, errors[key]);
    return rows[key];
  };
  const text = (key: TextField, label: string, type = 'text', placeholder = '') => {
    inputs[key] = h('input', { name: key, type, autocomplete: 'off', placeholder, 'aria-describedby': `account-${key}-error` });
    return row(key, label, inputs[key]);
  };
  const provider = h('select', { name: 'provider' }, ...['box', 'onedrive', ...PROVIDER_IDS.filter((p) => p !== 'box' && p !== 'onedrive')].map((p) => h('option', { value: p, text: PRESETS[p as ProviderId].label })));
  const method = h('select', { name: 'method' });
  const help = h('p', { class: 'muted form-help' });
  const submit = h('button', { type: 'submit', class: 'primary' });
  const advanced = h('details', { class: 'advanced' }, h('summary', { text: 'Advanced: custom address' }),
    h('p', { class: 'muted', text: 'For a test server or an emulator; leave empty for the provider’s own.' }),
    text('address', 'Address', 'url', 'https://…'), text('uploadUrl', 'Upload address (Box)', 'url'),
    text('authUrl', 'Authorization address', 'url'), text('tokenUrl', 'Token address', 'url'), text('deviceUrl', 'Device code address', 'url'));
  const form = h('form', { class: 'add-form', 'aria-label': 'Add an account', novalidate: true },
    h('h3', { text: 'Add account' }),
    row('provider', 'Provider', provider), help, text('name', 'Name', 'text', 'e.g. work-box'), row('method', 'Sign-in', method),
    text('place', 'Place'), text('token', 'Token', 'password'), text('clientId', 'Client id'), text('clientSecret', 'Client secret', 'password'),
    advanced, submit);

  const draft = (): AccountDraft => {
    const d = emptyDraft(provider.value as ProviderId);
    d.method = method.value as SignInMethod;
    for (const k of Object.keys(inputs) as TextField[]) d[k] = inputs[k].value;
    return d;
  };
  /** A new provider starts at its usual sign-in (its first method). */
  const layout = (newProvider: boolean) => {
    const p = PRESETS[provider.value as ProviderId];
    const was = method.value;
    method.replaceChildren(...p.methods.map((m) => h('option', { value: m, text: METHOD_WORDS[m] })));
    if (!newProvider && p.methods.includes(was as SignInMethod)) method.value = was;
    // What was typed for another provider means something else here (a Box folder is no drive).
    if (newProvider) for (const k of ['place', 'address', 'uploadUrl', 'authUrl', 'tokenUrl', 'deviceUrl'] as const) inputs[k].value = '';
    const m = method.value as SignInMethod;
    help.textContent = `${p.help}${p.url ? ` Address: ${p.url}.` : ''}`;
    rows.place.hidden = !p.place;
    if (p.place) {
      labels.place.textContent = p.place.label;
      inputs.place.placeholder = p.place.placeholder;
    }
    labels.token.textContent = p.tokenLabel ?? 'Token';
    rows.token.hidden = m !== 'token';
    const oauth = m === 'browser' || m === 'device';
    rows.clientId.hidden = !oauth;
    rows.clientSecret.hidden = !oauth || !p.needsClientSecret;
    rows.authUrl.hidden = m !== 'browser';
    rows.tokenUrl.hidden = !oauth;
    rows.deviceUrl.hidden = m !== 'device';
    rows.uploadUrl.hidden = p.provider !== 'box';
    // tus has no built-in address: the field leaves Advanced.
    if (!p.url) form.insertBefore(rows.address, rows.method);
    else advanced.insertBefore(rows.address, rows.uploadUrl);
    labels.address.textContent = p.url ? 'Address' : 'Upload address (tus)';
    submit.textContent = m === 'browser' ? `Sign in with ${p.label}` : m === 'device' ? 'Get a sign-in code' : 'Add account';
    clearErrors();
  };
  const clearErrors = () => {
    for (const k of Object.keys(errors) as (keyof AccountDraft)[]) {
      errors[k].textContent = '';
      rows[k].classList.remove('invalid');
    }
  };
  provider.addEventListener('change', () => layout(true));
  method.addEventListener('change', () => layout(false));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors();
    const d = draft();
    const problems = checkDraft(d);
    for (const e of problems) {
      errors[e.field].textContent = e.message;
      rows[e.field].classList.add('invalid');
      if (rows[e.field].parentElement === advanced) advanced.open = true;
    }
    if (problems.length > 0) return void (inputs[problems[0]!.field as TextField] ?? provider).focus();
    submit.disabled = true;
    void bridge.invoke('accounts:add', d).then((r) => {
      submit.disabled = false;
      if (!r.ok) return notices.error('Could not add the account', r.error);
      // Secrets do not stay in the page once sent.
      inputs.token.value = '';
      inputs.clientSecret.value = '';
      inputs.name.value = '';
      added(r.value);
    });
  });
  layout(true);
  return form;
}
