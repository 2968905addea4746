// SIGKILL in the middle of a rotating refresh (Box: the old refresh token dies when redeemed).
// Killed before the answer arrives, the new token is lost with the process and the stored one is
// dead: the remote must say "needs sign-in", never fail a transfer or corrupt anything. Killed
// after, the new token must already be on disk. Either way the journal is intact and the upload
// resumes in its one session.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, promises as fsp, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAccountStore } from '../../app/accounts/account-store.js';
import type { Account } from '../../app/accounts/credential.js';
import { FileSecretStore } from '../../app/accounts/secret-store.js';
import { accountsDir, homeAccounts } from '../../app/accounts/wiring.js';
import { authFor, type AuthForEmulator } from '../../app/emulators/auth/attach.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { EMULATORS } from '../../app/emulators/registry.js';
import type { TargetConfig } from '../../app/engine/engine-api.js';
import { FileJournal } from '../../app/node/file-journal.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';
import { bundleForChild } from '../helpers/bundle.js';
import { optionPorts, startFaultProxy, throughProxy, type FaultProxy } from '../helpers/fault-proxy.js';

const MiB = 1 << 20;
const silent = { info() {}, warn() {}, error() {} };
let root = '';
let auth: AuthForEmulator;
let emu: RunningEmulator;
let proxy: FaultProxy;
let current: ChildProcess | undefined;
/** Set for a round: kill the child this long after the server redeemed its n-th refresh. */
let arm: { nth: number; seen: number; delayMs: number } | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ferry-acct-kill-'));
  auth = await authFor('box', {
    accessTtlMs: 1_000,
    afterRedeem: async () => {
      if (arm && ++arm.seen === arm.nth && current) {
        const victim = current;
        setTimeout(() => victim.kill('SIGKILL'), arm.delayMs);
      }
      // The answer leaves 20 ms after the server rotated: kills before that lose it in flight.
      await new Promise((r) => setTimeout(r, 20));
    },
  });
  emu = await EMULATORS.box.emulate({ dataDir: join(root, 'emu'), auth: auth.check });
  // Both Box origins (API and upload) pass the one shaped proxy.
  proxy = await startFaultProxy({ targetPort: Number(new URL(emu.url).port), alsoTargetPorts: optionPorts(EMULATORS.box.endpointFor(emu)) });
  await proxy.setMode({ kind: 'bandwidth', bytesPerSec: 16 * MiB });
});
afterAll(async () => {
  current?.kill('SIGKILL');
  await proxy?.close();
  await emu?.close();
  await auth?.server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('accounts: SIGKILL during a rotating refresh', () => {
  it('after each kill the remote works or says needs sign-in, the journal is intact, and the upload ends in its one session', async () => {
    const child = await bundleForChild(join(process.cwd(), 'test/helpers/account-upload-child.ts'));
    const home = join(root, 'home');
    const dir = accountsDir(home);
    const ep = throughProxy(EMULATORS.box.endpointFor(emu), proxy);
    const account: Account = { name: 'kbox', provider: 'box', url: ep.url, options: ep.options, kind: 'oauth', tokenUrl: auth.server.tokenUrl, clientId: auth.clientId, status: 'ok', createdAt: 0, updatedAt: 0 };
    const signIn = async (): Promise<void> => {
      const { statusReason: _r, ...rest } = (await new FileAccountStore(dir).get('kbox')) ?? account;
      await new FileSecretStore(dir).set('kbox', { refreshToken: auth.server.preConsented(auth.clientId).refresh_token, clientSecret: auth.clientSecret! });
      await new FileAccountStore(dir).put({ ...rest, status: 'ok' });
    };
    await signIn();
    const target: TargetConfig = { id: 'kill-box', name: 'kbox', provider: 'box', url: ep.url, token: '', account: 'kbox', options: ep.options, conflict: 'rename', remoteRoot: '/' };
    const file = join(root, 'big.bin');
    await fsp.writeFile(file, randomBytes(96 * MiB));
    const runChild = (): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> => new Promise((resolve) => {
      const p = spawn(process.execPath, [child, home, JSON.stringify(target), file, '/big.bin'], { stdio: ['ignore', 'pipe', 'inherit'] });
      current = p;
      let out = '';
      p.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      p.once('exit', (code, signal) => resolve({ code, signal, out }));
    });

    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const outcomes = { works: 0, needsSignIn: 0 };
    for (let round = 0; round < 5; round++) {
      arm = { nth: 1 + (round % 2), seen: 0, delayMs: Math.floor(rand() * 40) };
      const r = await runChild();
      arm = undefined;
      if (r.signal !== 'SIGKILL') console.log(round, await fsp.readFile(join(home, 'logs', 'ferry.log'), 'utf8'));
      expect(r.signal, r.out).toBe('SIGKILL');
      // The journal: one readable record, nothing quarantined.
      const recs = await new FileJournal(home, silent).load();
      expect(recs.map((x) => x.id)).toHaveLength(1);
      expect(existsSync(join(home, 'quarantine')) ? readdirSync(join(home, 'quarantine')) : []).toEqual([]);
      // The credentials file is whole JSON, never torn.
      const secret = await new FileSecretStore(dir).get('kbox');
      expect(typeof secret?.refreshToken).toBe('string');
      // "Restart": a new process calls the API as the remote. It works, or it says needs sign-in.
      const http = new UndiciHttp({});
      try {
        const api = homeAccounts(home, http, systemClock).httpFor(account);
        const res = await api.request({ method: 'GET', url: `${ep.url}/2.0/folders/0`, headers: { authorization: 'Bearer placeholder' } });
        expect(res.status).toBe(200);
        outcomes.works++;
      } catch (e) {
        expect((e as { code?: string }).code).toBe('needs-sign-in');
        expect((await new FileAccountStore(dir).get('kbox'))?.status).toBe('needs-sign-in');
        outcomes.needsSignIn++;
        await signIn();
      } finally {
        await http.close();
      }
    }
    console.log(`SIGKILL during refresh: ${JSON.stringify(outcomes)} after 5 kills`);
    // Left alone, the last run finishes the upload, still in the first session.
    const last = await runChild();
    expect(JSON.parse(last.out.trim().split('\n').pop()!)).toMatchObject({ state: 'done' });
    expect(emu.stats().sessionsCreated).toBe(1);
    const sha = createHash('sha256').update(await fsp.readFile(file)).digest('hex');
    expect((await emu.files()).find((f) => f.path === '/big.bin')?.sha256).toBe(sha);
    expect(outcomes.works + outcomes.needsSignIn).toBe(5);
  }, 180_000);
});
