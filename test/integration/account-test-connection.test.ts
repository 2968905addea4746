// The window's "Test connection" for accounts signs in for real against the emulators: who you
// are, where files go and the space left; a wrong token fails in words. Added through the same
// handlers the window calls (accounts:add → accounts:test), with real loopback servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAccountStore } from '../../app/accounts/account-store.js';
import { Accounts } from '../../app/accounts/accounts.js';
import { MemorySecretStore } from '../../app/accounts/secret-store.js';
import { emptyDraft, type AccountDraft } from '../../app/common/account-form.js';
import type { AccountSummary } from '../../app/common/api.js';
import type { ProviderId, TransferView } from '../../app/common/transfer.js';
import type { Engine } from '../../app/engine/engine-api.js';
import { authFor, type AuthForEmulator } from '../../app/emulators/auth/attach.js';
import { boxUploadUrl, startBoxEmulator } from '../../app/emulators/box/emulator.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { startRedivisEmulator } from '../../app/emulators/redivis/emulator.js';
import { startSynapseEmulator } from '../../app/emulators/synapse/emulator.js';
import { startTusEmulator } from '../../app/emulators/tus/emulator.js';
import { startUcloudEmulator } from '../../app/emulators/ucloud/emulator.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';
import { createAccountHandlers } from '../../app/service/account-service.js';

let box: RunningEmulator;
let boxAuth: AuthForEmulator;
let synapse: RunningEmulator;
let tus: RunningEmulator;
let redivis: RunningEmulator;
let ucloud: RunningEmulator;
const http = new UndiciHttp({});
const changes: AccountSummary[][] = [];
/** The engine as the account handlers see it: an empty queue. */
const engine = { list: (): TransferView[] => [], cancel: async () => undefined, pause: async () => undefined } as unknown as Engine;
const handlers = createAccountHandlers({
  accounts: new Accounts({ accounts: new MemoryAccountStore(), secrets: new MemorySecretStore(), lock: { acquire: async () => async () => undefined }, http, clock: systemClock }),
  http, clock: systemClock, engine, changed: (l) => changes.push(l),
});
const add = (provider: ProviderId, over: Partial<AccountDraft>) => handlers['accounts:add']({ ...emptyDraft(provider), method: 'token', ...over });

beforeAll(async () => {
  boxAuth = await authFor('box', { accessTtlMs: 60_000 });
  box = await startBoxEmulator({ discard: true, auth: boxAuth.check, storageLimitBytes: 10 * 1024 ** 3 });
  synapse = await startSynapseEmulator({ discard: true });
  tus = await startTusEmulator({ discard: true });
  redivis = await startRedivisEmulator({ discard: true });
  ucloud = await startUcloudEmulator({ discard: true });
});
afterAll(async () => {
  await Promise.all([box?.close(), boxAuth?.server.close(), synapse?.close(), tus?.close(), redivis?.close(), ucloud?.close()]);
  await http.close();
});

describe('accounts:test signs in for real', () => {
  it('Box: users/me says who and how much space is left; a wrong developer token is refused in words', async () => {
    const token = boxAuth.server.preConsented(boxAuth.clientId, '').access_token;
    const boxDraft = { address: box.url, uploadUrl: boxUploadUrl(box) };
    await add('box', { name: 'good-box', token, ...boxDraft });
    expect(await handlers['accounts:test']({ name: 'good-box' })).toEqual({
      ok: true, who: 'Emulated User (emulated.user@example.com)', where: 'All Files', space: '10.0 GiB free of 10.0 GiB',
      message: 'Signed in as Emulated User (emulated.user@example.com); files go to All Files; 10.0 GiB free of 10.0 GiB.',
    });
    await add('box', { name: 'bad-box', token: 'not-a-box-token', ...boxDraft });
    const bad = await handlers['accounts:test']({ name: 'bad-box' });
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/^127\.0\.0\.1:\d+ refused the sign-in of bad-box \(HTTP 401\): sign in again or check the token$/);
    expect(JSON.stringify(changes)).not.toContain(token);
  });

  it('Synapse: the caller’s profile and the project files go into; an unknown project is named', async () => {
    await add('synapse', { name: 'syn', token: synapse.token, address: synapse.url, place: 'syn1' });
    const ok = await handlers['accounts:test']({ name: 'syn' });
    expect(ok).toMatchObject({ ok: true, who: 'emulated-user-3350396' });
    expect(ok.where).toMatch(/\(syn1\)$/);
    await add('synapse', { name: 'syn-wrong', token: 'wrong', address: synapse.url, place: 'syn1' });
    expect((await handlers['accounts:test']({ name: 'syn-wrong' })).message).toMatch(/refused the sign-in of syn-wrong \(HTTP 401\)/);
  });

  it('Redivis: the table files go into; a wrong API token is refused in words', async () => {
    await add('redivis', { name: 'rd', token: redivis.token, address: redivis.url, place: 'me.census.people' });
    expect(await handlers['accounts:test']({ name: 'rd' })).toMatchObject({ ok: true, where: 'the table me.census.people' });
    await add('redivis', { name: 'rd-wrong', token: 'wrong', address: redivis.url, place: 'me.census.people' });
    expect((await handlers['accounts:test']({ name: 'rd-wrong' })).message).toMatch(/refused the sign-in of rd-wrong \(HTTP 401\)/);
  });

  it('UCloud: the drive files go into; a wrong API token is refused in words', async () => {
    await add('ucloud', { name: 'uc', token: ucloud.token, address: ucloud.url, place: '7' });
    expect(await handlers['accounts:test']({ name: 'uc' })).toMatchObject({ ok: true, who: 'emulated-user', where: 'the drive Emulated drive 7 (7)' });
    await add('ucloud', { name: 'uc-wrong', token: 'wrong', address: ucloud.url, place: '7' });
    expect((await handlers['accounts:test']({ name: 'uc-wrong' })).message).toMatch(/refused the sign-in of uc-wrong \(HTTP (401|403)\)/);
  });

  it('tus: OPTIONS finds a tus 1.0.0 server', async () => {
    await add('tus', { name: 'tus', token: tus.token, address: tus.url });
    expect(await handlers['accounts:test']({ name: 'tus' })).toMatchObject({ ok: true, where: tus.url });
  });

  it('the form’s checks run again in the service, naming the field', async () => {
    await expect(add('redivis', { name: 'r', token: 't', place: 'table' })).rejects.toThrow('Table must be written user.dataset.table');
    await expect(add('tus', { name: 'tus', token: 't', address: tus.url })).rejects.toThrow('Name: an account named tus exists already');
  });
});
