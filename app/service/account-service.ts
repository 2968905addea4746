// The window's account commands (accounts:*): add an account from the form, sign in the way its
// provider offers, test it for real, rename it or move its folder, and remove it. Accounts are
// the remotes of $FERRY_HOME (`ferry remote`), so the CLI and the window see the same ones.
import type { AccountSummary, ConnectionCheck, Req, Res } from '../common/api.js';
import { checkDraft, draftTarget, PRESETS, type AccountDraft } from '../common/account-form.js';
import { FerryError } from '../common/errors.js';
import { isSettled } from '../common/transfer.js';
import type { Engine } from '../engine/engine-api.js';
import type { Http } from '../engine/http.js';
import type { Clock } from '../engine/ports.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Account } from '../accounts/credential.js';
import { PROFILES } from '../accounts/profiles.js';
import { probeAccount } from './account-probe.js';
import { SignIns } from './account-sign-in.js';

export interface AccountServiceDeps {
  accounts: Accounts;
  http: Http;
  clock: Clock;
  engine: Engine;
  openExternal?: (url: string) => Promise<void>;
  /** Called with the new list whenever it may have changed. */
  changed: (list: AccountSummary[]) => void;
}

type AccountChannel = 'accounts:list' | 'accounts:add' | 'accounts:signIn' | 'accounts:cancelSignIn' | 'accounts:update' | 'accounts:test' | 'accounts:remove';
export type AccountHandlers = { [C in AccountChannel]: (req: Req<C>) => Promise<Res<C>> };

const targetIdOf = (name: string): string => `remote-${name}`;

export function summarizeAccount(a: Account, signIn?: AccountSummary['signIn'], pending = false): AccountSummary {
  return {
    name: a.name, provider: a.provider, url: a.url, targetId: targetIdOf(a.name), kind: a.kind,
    status: pending ? 'signing-in' : a.status, ...(a.statusReason ? { statusReason: a.statusReason } : {}),
    options: { ...a.options }, ...(signIn ? { signIn } : {}),
  };
}

export function createAccountHandlers(d: AccountServiceDeps): AccountHandlers & { refresh(): Promise<void> } {
  const store = d.accounts.d.accounts;
  let last = '';
  const list = async (): Promise<AccountSummary[]> => {
    const saved = await store.list();
    const out = saved.map((a) => {
      const p = signIns.pending.get(a.name);
      return summarizeAccount(a, p?.state, p !== undefined && p.state?.step !== 'failed');
    });
    for (const [name, p] of signIns.pending) if (!saved.some((a) => a.name === name)) out.push(summarizeAccount(p.account, p.state, true));
    return out.sort((x, y) => x.name.localeCompare(y.name));
  };
  /** Broadcasts when something changed (also a "needs sign-in" another process wrote). */
  const refresh = async (): Promise<void> => {
    const now = await list();
    const text = JSON.stringify(now);
    if (text === last) return;
    last = text;
    d.changed(now);
  };
  const signIns = new SignIns({ accounts: d.accounts, http: d.http, clock: d.clock, ...(d.openExternal ? { openExternal: d.openExternal } : {}), changed: () => void refresh() });
  const must = async (name: string): Promise<Account> => {
    const a = await store.get(name);
    if (!a) throw new FerryError('bad-input', `there is no account named ${name}; it may have been removed`);
    return a;
  };
  const summaryOf = async (name: string): Promise<AccountSummary> => {
    const found = (await list()).find((s) => s.name === name);
    if (!found) throw new FerryError('bad-input', `there is no account named ${name}`);
    return found;
  };
  const unfinished = (name: string) => d.engine.list().filter((v) => v.targetId === targetIdOf(name) && !isSettled(v.state));

  return {
    refresh,
    'accounts:list': list,
    'accounts:add': async (draft: AccountDraft) => {
      const errors = checkDraft(draft);
      if (errors.length > 0) throw new FerryError('bad-input', errors.map((e) => e.message).join('; '));
      if ((await store.get(draft.name)) || signIns.pending.has(draft.name)) throw new FerryError('bad-input', `Name: an account named ${draft.name} exists already`);
      const { url, options } = draftTarget(draft);
      const prof = PROFILES[draft.provider];
      const now = d.clock.now();
      const interactive = draft.method === 'browser' || draft.method === 'device';
      const a: Account = {
        name: draft.name, provider: draft.provider, url, options, kind: interactive ? 'oauth' : 'static', status: 'ok', createdAt: now, updatedAt: now,
        ...(interactive ? {
          tokenUrl: draft.tokenUrl.trim() || prof.tokenUrl!, clientId: draft.clientId.trim(), signInMethod: draft.method as 'browser' | 'device',
          ...(draft.authUrl.trim() || prof.authorizeUrl ? { authorizeUrl: draft.authUrl.trim() || prof.authorizeUrl! } : {}),
          ...(draft.deviceUrl.trim() || prof.deviceUrl ? { deviceUrl: draft.deviceUrl.trim() || prof.deviceUrl! } : {}),
          ...(prof.scope ? { scope: prof.scope } : {}),
        } : {}),
      };
      if (!interactive) {
        // tus without sign-in still needs a secret entry: an empty token writes no authorization.
        await d.accounts.signedIn(a, { accessToken: draft.method === 'token' ? draft.token.trim() : '' });
        await refresh();
        return summaryOf(a.name);
      }
      await signIns.start(a, draft.method as 'browser' | 'device', draft.clientSecret.trim() || undefined, false);
      await refresh();
      return summaryOf(a.name);
    },
    'accounts:signIn': async ({ name, method, token }) => {
      const pending = signIns.pending.get(name);
      const a = (await store.get(name)) ?? pending?.account;
      if (!a) throw new FerryError('bad-input', `there is no account named ${name}`);
      if (a.kind === 'static') {
        if (!token) throw new FerryError('bad-input', `Token: ${name} signs in with a token; paste the new one`);
        await d.accounts.signedIn(a, { accessToken: token.trim() });
        await refresh();
        return summaryOf(name);
      }
      const secret = await d.accounts.d.secrets.get(name);
      await signIns.start(a, method ?? a.signInMethod ?? 'browser', secret?.clientSecret ?? pending?.clientSecret, (await store.get(name)) !== undefined);
      await refresh();
      return summaryOf(name);
    },
    'accounts:cancelSignIn': async ({ name }) => {
      signIns.cancel(name);
      await refresh();
      return null;
    },
    'accounts:update': async ({ name, newName, place }) => {
      let a = await must(name);
      if (place !== undefined) {
        const field = PRESETS[a.provider].place;
        if (!field) throw new FerryError('bad-input', `${PRESETS[a.provider].label} accounts have no folder to change`);
        const value = place.trim() || field.fallback || '';
        const why = field.check(value);
        if (why) throw new FerryError('bad-input', why);
        a = { ...a, options: { ...a.options, [field.option]: value }, updatedAt: d.clock.now() };
        await store.put(a);
      }
      if (newName !== undefined && newName !== name) {
        if (await store.get(newName)) throw new FerryError('bad-input', `Name: an account named ${newName} exists already`);
        const busy = unfinished(name);
        if (busy.length > 0) throw new FerryError('bad-input', `${name} has ${busy.length} transfer(s) in the queue; rename it when they have finished or been cancelled`);
        const secret = await d.accounts.d.secrets.get(name);
        await store.put({ ...a, name: newName, updatedAt: d.clock.now() });
        if (secret) await d.accounts.d.secrets.set(newName, secret);
        await d.accounts.d.secrets.delete(name);
        await store.remove(name);
        a = (await store.get(newName))!;
      }
      await refresh();
      return summaryOf(a.name);
    },
    'accounts:test': async ({ name }): Promise<ConnectionCheck> => {
      const a = await must(name);
      return probeAccount(d.accounts.httpFor({ ...a, apiOrigins: [...(a.apiOrigins ?? []), ...(a.options.uploadUrl ? [a.options.uploadUrl] : [])] }), a);
    },
    'accounts:remove': async ({ name, queued }) => {
      if (signIns.cancel(name) && !(await store.get(name))) {
        await refresh();
        return null;
      }
      await must(name);
      // Cancel first, then forget: a cancelled transfer may still delete its server session with the account's token.
      // Kept ones are paused: without the account they could not run; they stay in the queue and
      // continue (Resume) once an account of this name is added again.
      for (const v of unfinished(name)) await (queued === 'cancel' ? d.engine.cancel(v.id) : d.engine.pause(v.id));
      await d.accounts.d.secrets.delete(name);
      await store.remove(name);
      await refresh();
      return null;
    },
  };
}
