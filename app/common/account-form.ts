// The "Add account" form as data: each provider's real address, how it signs in, and the one
// choice it needs (where files go). Pure, shared by the window (checks as you type) and the
// service (checks again before anything is saved), so both say the same words.
import type { ProviderId } from './transfer.js';

/** How a new account proves who it is. */
export type SignInMethod = 'browser' | 'device' | 'token' | 'none';

export interface PlaceField {
  /** The provider client's option name (app/providers/<id>/README.md). */
  option: string;
  label: string;
  placeholder: string;
  /** Filled in when left empty. */
  fallback?: string;
  /** Words naming the field and the cause, or undefined when fine. */
  check(value: string): string | undefined;
}

export interface ProviderPreset {
  provider: ProviderId;
  label: string;
  /** The provider's real API address; undefined when the user must type one (tus). */
  url?: string;
  methods: SignInMethod[];
  /** What the provider calls its token, for the token field's label. */
  tokenLabel?: string;
  /** OAuth: the client id must be given (Box: the organisation's app); Microsoft has a public default. */
  needsClientId?: boolean;
  needsClientSecret?: boolean;
  place?: PlaceField;
  /** Where a user makes a token or an app. */
  help: string;
}

const SYN_ID = /^syn\d+$/i;
const REDIVIS_TABLE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_:-]+\.[A-Za-z0-9_:-]+$/;
const MS_DRIVE = /^(me|drives\/[A-Za-z0-9!_,.-]+|sites\/[A-Za-z0-9!_,.-]+)$/;

export const PRESETS: Record<ProviderId, ProviderPreset> = {
  box: {
    provider: 'box', label: 'Box', url: 'https://api.box.com', methods: ['browser', 'token'], tokenLabel: 'Developer token',
    needsClientId: true, needsClientSecret: true, help: 'Your organisation’s Box app (Dev Console) gives the client id and secret.',
    place: { option: 'rootFolderId', label: 'Box folder id', placeholder: '0 (All Files)', fallback: '0',
      check: (v) => (/^\d+$/.test(v) ? undefined : 'Box folder id must be a number (the digits at the end of the folder’s address; 0 is All Files)') },
  },
  onedrive: {
    provider: 'onedrive', label: 'Microsoft OneDrive / SharePoint', url: 'https://graph.microsoft.com/v1.0', methods: ['browser', 'device', 'token'],
    tokenLabel: 'Access token', needsClientId: true, help: 'Your organisation’s app registration (Entra ID, public client) gives the client id; on a machine without a browser sign in with a code.',
    place: { option: 'drive', label: 'Drive or site library', placeholder: 'me, drives/{id} or sites/{id}', fallback: 'me',
      check: (v) => (MS_DRIVE.test(v) ? undefined : 'Drive or site library must be me, drives/{id} or sites/{id}') },
  },
  synapse: {
    provider: 'synapse', label: 'Synapse', url: 'https://repo-prod.prod.sagebase.org', methods: ['token'], tokenLabel: 'Personal access token',
    help: 'Make a personal access token in Synapse: Account Settings → Personal Access Tokens (view, download, modify).',
    place: { option: 'parentId', label: 'Project or folder', placeholder: 'syn12345678',
      check: (v) => (SYN_ID.test(v) ? undefined : v === '' ? 'Project or folder is required (a Synapse id such as syn12345678)' : 'Project or folder must be a Synapse id such as syn12345678') },
  },
  redivis: {
    provider: 'redivis', label: 'Redivis', url: 'https://redivis.com', methods: ['token'], tokenLabel: 'API token',
    help: 'Make an API token in Redivis: Settings → API tokens (data.edit scope).',
    place: { option: 'table', label: 'Table', placeholder: 'user.dataset.table',
      check: (v) => (REDIVIS_TABLE.test(v) ? undefined : v === '' ? 'Table is required (user.dataset.table)' : 'Table must be written user.dataset.table') },
  },
  ucloud: {
    provider: 'ucloud', label: 'UCloud', url: 'https://cloud.sdu.dk', methods: ['token'], tokenLabel: 'API token',
    help: 'Make an API token in UCloud and give the number of the drive to upload into.',
    place: { option: 'drive', label: 'Drive', placeholder: 'drive number, e.g. 12345',
      check: (v) => (/^\d+$/.test(v) ? undefined : v === '' ? 'Drive is required (the drive’s number)' : 'Drive must be the drive’s number') },
  },
  tus: {
    provider: 'tus', label: 'tus server', methods: ['token', 'none'], tokenLabel: 'Bearer token',
    help: 'Any tus 1.0.0 server: type its upload address (the one files are POSTed to).',
  },
};

export interface AccountDraft {
  name: string;
  provider: ProviderId;
  method: SignInMethod;
  /** Advanced: another API address (an emulator, a proxy); the preset's when empty. */
  address: string;
  /** The preset's place field (folder, drive, table, project). */
  place: string;
  token: string;
  clientId: string;
  clientSecret: string;
  /** Advanced: authorization server endpoints (an emulated one). */
  authUrl: string;
  tokenUrl: string;
  deviceUrl: string;
  /** Advanced, Box: where uploads go when the address is not api.box.com. */
  uploadUrl: string;
}

export interface FieldError {
  /** The draft field the error is about. */
  field: keyof AccountDraft;
  message: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const isHttpUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
  } catch {
    return false;
  }
};

export const METHOD_WORDS: Record<SignInMethod, string> = {
  browser: 'Sign in with the browser',
  device: 'Sign in with a code (no browser here)',
  token: 'Paste a token',
  none: 'No sign-in',
};

/** Every problem of a draft, each naming its field; empty when it can be saved. */
export function checkDraft(d: AccountDraft): FieldError[] {
  const p = PRESETS[d.provider];
  if (!p) return [{ field: 'provider', message: 'Provider must be one of Box, OneDrive, Synapse, Redivis, UCloud or tus' }];
  const errors: FieldError[] = [];
  const add = (field: keyof AccountDraft, message: string) => errors.push({ field, message });
  if (d.name.trim() === '') add('name', 'Name is required');
  else if (!NAME_RE.test(d.name)) add('name', 'Name may use letters, digits, - and _ (at most 64), starting with a letter or digit');
  if (!p.methods.includes(d.method)) add('method', `Sign-in: ${p.label} offers ${p.methods.map((m) => `“${METHOD_WORDS[m]}”`).join(' or ')}`);
  if (d.address.trim() !== '' && !isHttpUrl(d.address.trim())) add('address', 'Address must start with http:// or https://');
  if (!p.url && d.address.trim() === '') add('address', `Address is required for a ${p.label} (its upload URL)`);
  if (p.place) {
    const why = p.place.check(d.place.trim() === '' && p.place.fallback !== undefined ? p.place.fallback : d.place.trim());
    if (why) add('place', why);
  }
  if (d.method === 'token' && d.token.trim() === '') add('token', `${p.tokenLabel ?? 'Token'} is required`);
  if (d.method === 'browser' || d.method === 'device') {
    if (p.needsClientId && d.clientId.trim() === '') add('clientId', 'Client id is required (from your organisation’s app)');
    if (p.needsClientSecret && d.clientSecret.trim() === '') add('clientSecret', 'Client secret is required (from your organisation’s app)');
  }
  for (const f of ['authUrl', 'tokenUrl', 'deviceUrl', 'uploadUrl'] as const) {
    if (d[f].trim() !== '' && !isHttpUrl(d[f].trim())) add(f, `${FIELD_LABELS[f]} must start with http:// or https://`);
  }
  if (d.provider === 'box' && d.address.trim() !== '' && !/^https:\/\/api\.box\.com(\/|$)/.test(d.address.trim()) && d.uploadUrl.trim() === '') {
    add('uploadUrl', 'Upload address is required when the Box address is not api.box.com');
  }
  return errors;
}

export const FIELD_LABELS: Record<keyof AccountDraft, string> = {
  name: 'Name', provider: 'Provider', method: 'Sign-in', address: 'Address', place: 'Place', token: 'Token',
  clientId: 'Client id', clientSecret: 'Client secret', authUrl: 'Authorization address', tokenUrl: 'Token address',
  deviceUrl: 'Device code address', uploadUrl: 'Upload address',
};

/** The account's API address and provider options from a checked draft. */
export function draftTarget(d: AccountDraft): { url: string; options: Record<string, string> } {
  const p = PRESETS[d.provider];
  const url = d.address.trim() || p.url!;
  const options: Record<string, string> = {};
  if (p.place) options[p.place.option] = d.place.trim() || p.place.fallback || '';
  if (d.uploadUrl.trim()) options.uploadUrl = d.uploadUrl.trim();
  return { url, options };
}

export function emptyDraft(provider: ProviderId): AccountDraft {
  return { name: '', provider, method: PRESETS[provider].methods[0]!, address: '', place: '', token: '', clientId: '', clientSecret: '', authUrl: '', tokenUrl: '', deviceUrl: '', uploadUrl: '' };
}
