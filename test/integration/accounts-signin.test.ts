// Issue 10: a refresh token revoked mid-upload parks the transfer as "needs sign-in" (not failed,
// nothing lost); signing in again resumes it at the offset the server holds.
import { afterEach, describe, expect, it } from 'vitest';
import { describeState } from '../../app/common/transfer.js';
import { FileAccountStore } from '../../app/accounts/account-store.js';
import { FileSecretStore } from '../../app/accounts/secret-store.js';
import { accountsDir, homeAccounts } from '../../app/accounts/wiring.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';
import { sha256File, startAccountHarness, type AccountHarness } from '../helpers/account-harness.js';
import { waitFor as until } from '../helpers/wait-for.js';
import { emulatorAdminHeaders } from '../../app/emulators/kit/emulator-host.js';

const MiB = 1 << 20;
let h: AccountHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('accounts: revoked refresh token', () => {
  it('Box: the transfer waits "needs sign-in", keeps its session, and a new sign-in resumes it at the server offset', async () => {
    h = await startAccountHarness('box', { ttlMs: 1_000, bytesPerSec: 16 * MiB });
    const file = await h.makeFile('big.bin', 64 * MiB);
    const { engine } = h.runtime;
    const [v] = await engine.add({ targetId: h.target.id, items: [{ localPath: file, remotePath: '/big.bin' }] });
    const seen: string[] = [];
    engine.onChange((all) => { for (const x of all) seen.push(x.state.kind); });
    await until(() => (engine.get(v!.id)?.transferred ?? 0) > 16 * MiB, 'a quarter uploaded', 60_000);
    // The user revokes Ferry's access (or a password reset does): every token dies at once.
    h.auth.server.book.revokeAllRefreshTokens();
    h.auth.server.book.expireAllAccessTokens();
    await until(() => engine.get(v!.id)?.state.kind === 'waiting' && (engine.get(v!.id)!.state as { reason: string }).reason === 'sign-in', 'needs sign-in', 30_000);
    const waiting = engine.get(v!.id)!;
    expect(describeState(waiting.state)).toMatch(/^Needs sign-in: remote mybox needs sign-in .*ferry remote reconnect mybox/);
    expect(waiting.state.kind === 'waiting' && waiting.state.error.code).toBe('needs-sign-in');
    const dir = accountsDir(h.home);
    expect((await new FileAccountStore(dir).get('mybox'))?.status).toBe('needs-sign-in');
    // It stays parked however long the user takes: polls cost no attempt and no request to Box.
    const before = h.emu.requests().length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(engine.get(v!.id)!.state.kind).toBe('waiting');
    expect(h.emu.requests().length).toBe(before);
    const heldAtSignOut = (await (await fetch(`${h.emu.url}/_emulator/stats`, { headers: emulatorAdminHeaders(h.emu) })).json() as { bytesReceived: number }).bytesReceived;

    // Sign in again as `ferry remote reconnect` does from another process: through the files in
    // $FERRY_HOME only (a separate Accounts, nothing shared in memory with the waiting engine).
    const fresh = h.auth.server.preConsented(h.auth.clientId);
    const other = new UndiciHttp({});
    await homeAccounts(h.home, other, systemClock).signedIn((await new FileAccountStore(dir).get('mybox'))!, { refreshToken: fresh.refresh_token, clientSecret: h.auth.clientSecret! });
    await other.close();
    const done = await engine.settled(v!.id);
    expect(done.state).toMatchObject({ kind: 'done', verified: true });
    expect(seen).not.toContain('failed');
    expect((await new FileAccountStore(dir).get('mybox'))?.status).toBe('ok');
    // Resumed, not restarted: one session, and no part the server held was sent again.
    expect(h.emu.stats().sessionsCreated).toBe(1);
    const accepted = h.emu.requests().filter((r) => r.method === 'PUT' && r.path.includes('upload_sessions') && r.status < 300);
    expect(accepted.reduce((n, r) => n + r.bytes, 0)).toBe(64 * MiB);
    expect(heldAtSignOut).toBeGreaterThanOrEqual(16 * MiB);
    expect((await h.emu.files()).find((f) => f.path === '/big.bin')?.sha256).toBe(await sha256File(file));
    // The refresh tokens never reached the log.
    const secret = await new FileSecretStore(dir).get('mybox');
    const { readFileSync } = await import('node:fs');
    const log = readFileSync(`${h.home}/logs/ferry.log`, 'utf8');
    expect(log).toContain('needs sign-in');
    expect(log).not.toContain(secret!.refreshToken!);
    expect(log).not.toContain(secret!.accessToken!);
  }, 120_000);
});
