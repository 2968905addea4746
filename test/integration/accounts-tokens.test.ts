// One refresh at a time per account: however many transfers share it in one process, and across
// processes sharing $FERRY_HOME (Box refresh tokens are single use: two redemptions sign one out).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileAccountStore } from '../../app/accounts/account-store.js';
import { FileSecretStore } from '../../app/accounts/secret-store.js';
import { homeAccounts, accountsDir } from '../../app/accounts/wiring.js';
import type { Account } from '../../app/accounts/credential.js';
import { authFor, type AuthForEmulator } from '../../app/emulators/auth/attach.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';
import { bundleForChild } from '../helpers/bundle.js';

let auth: AuthForEmulator | undefined;
let root = '';
afterEach(async () => {
  await auth?.server.close();
  auth = undefined;
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A Box-flavoured server whose refresh answers take `delayMs` (a slow token endpoint), and a signed-in remote. */
async function setup(delayMs: number): Promise<{ home: string; account: Account }> {
  root = mkdtempSync(join(tmpdir(), 'ferry-tokens-'));
  const home = join(root, 'home');
  auth = await authFor('box', { accessTtlMs: 60_000, afterRedeem: () => new Promise((r) => setTimeout(r, delayMs)) });
  const account: Account = { name: 'box1', provider: 'box', url: 'http://127.0.0.1:9', options: {}, kind: 'oauth', tokenUrl: auth.server.tokenUrl, clientId: auth.clientId, status: 'ok', createdAt: 0, updatedAt: 0 };
  await new FileAccountStore(accountsDir(home)).put(account);
  await new FileSecretStore(accountsDir(home)).set('box1', { refreshToken: auth.server.preConsented(auth.clientId).refresh_token, clientSecret: auth.clientSecret! });
  return { home, account };
}

describe('accounts: one refresh at a time', () => {
  it('in one process: 40 transfers asking at once make one exchange; 40 401s for the same token make one more', async () => {
    const { home } = await setup(150);
    const http = new UndiciHttp({});
    const t = homeAccounts(home, http, systemClock).tokensOf('box1');
    const first = await Promise.all(Array.from({ length: 40 }, () => t.token()));
    expect(new Set(first).size).toBe(1);
    expect(auth!.server.book.refreshes).toBe(1);
    auth!.server.book.expireAllAccessTokens();
    const second = await Promise.all(Array.from({ length: 40 }, () => t.rejected(first[0]!)));
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    expect(auth!.server.book.refreshes).toBe(2);
    // A stale 401 (for a token already replaced) costs no exchange at all.
    expect(await t.rejected(first[0]!)).toBe(second[0]);
    expect(auth!.server.book.refreshes).toBe(2);
    // The secrets file is the owner's alone.
    expect(statSync(join(accountsDir(home), 'box1.secret.json')).mode & 0o777).toBe(0o600);
    await http.close();
  });

  it('a transfer that stops waiting (pause) does not cut the exchange off: the rotated token is still saved', async () => {
    const { home } = await setup(200);
    const http = new UndiciHttp({});
    const t = homeAccounts(home, http, systemClock).tokensOf('box1');
    const ac = new AbortController();
    const asked = t.token(ac.signal);
    setTimeout(() => ac.abort(new Error('paused')), 50);
    await expect(asked).rejects.toThrow('paused');
    // The server rotated at once; the answer comes 200 ms later and must still be stored.
    await new Promise((r) => setTimeout(r, 400));
    expect(auth!.server.book.refreshes).toBe(1);
    const again = homeAccounts(home, http, systemClock).tokensOf('box1');
    expect(auth!.server.book.valid(await again.token())).toBe(true);
    expect(auth!.server.book.refreshes).toBe(1);
    await http.close();
  });

  describe('across processes', () => {
    let child = '';
    beforeAll(async () => {
      child = await bundleForChild(join(process.cwd(), 'test/helpers/account-tokens-child.ts'));
    });

    it('four processes sharing $FERRY_HOME redeem the single-use refresh token once and all get its access token', async () => {
      const { home } = await setup(300);
      const run = (): Promise<{ ok: boolean; hashes: string[]; refreshes: number; adopted: number; code?: string }> => new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [child, home, 'box1', '10'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
        p.once('exit', () => { try { resolve(JSON.parse(out)); } catch { reject(new Error(`child said: ${out}`)); } });
      });
      const results = await Promise.all([run(), run(), run(), run()]);
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
      expect(auth!.server.book.refreshes).toBe(1);
      expect(results.reduce((n, r) => n + r.refreshes, 0)).toBe(1);
      expect(new Set(results.flatMap((r) => r.hashes)).size).toBe(1);
      const stored = await new FileSecretStore(accountsDir(home)).get('box1');
      expect(createHash('sha256').update(stored!.accessToken!).digest('hex').slice(0, 12)).toBe(results[0]!.hashes[0]);
      expect((await new FileAccountStore(accountsDir(home)).get('box1'))?.status).toBe('ok');
    }, 60_000);
  });
});
