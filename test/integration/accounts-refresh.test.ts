// Issue 10: an upload that outlives many access tokens finishes, refreshing as it goes, with no
// failed transfer and no byte sent twice beyond the chunk that met a 401.
import { afterEach, describe, expect, it } from 'vitest';
import { sha256File, startAccountHarness, type AccountHarness } from '../helpers/account-harness.js';

const MiB = 1 << 20;
let h: AccountHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('accounts: 2-second access tokens during a 256 MiB upload', () => {
  it('Box: refreshes at least 5 times, no failure, no part accepted twice; forced 401s cost one chunk each', async () => {
    // 24 MiB/s: the upload takes over 10 s, five tokens' lives, whatever the machine's speed.
    h = await startAccountHarness('box', { ttlMs: 2_000, bytesPerSec: 24 * MiB });
    const file = await h.makeFile('big.bin', 256 * MiB);
    const t0 = Date.now();
    // Access tokens revoked behind the client's back now and then: the 401 path, not just the timer.
    let forced = 0;
    const timer = setInterval(() => { forced++; h!.auth.server.book.expireAllAccessTokens(); }, 2_500);
    // And one part answered with Box's own 401 for certain (the timer's race may miss every part):
    // the client must refresh and send that part again, once.
    h.emu.inject({ method: 'PUT', path: 'upload_sessions', withBody: true, after: 5, action: { kind: 'respond', status: 401, headers: { 'www-authenticate': 'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."' }, body: '' } });
    const [v] = await h.runtime.engine.add({ targetId: h.target.id, items: [{ localPath: file, remotePath: '/Footage/big.bin' }] });
    const states = new Set<string>();
    h.runtime.engine.onChange((all) => { for (const x of all) states.add(x.state.kind); });
    const done = await h.runtime.engine.settled(v!.id);
    clearInterval(timer);
    const secs = (Date.now() - t0) / 1000;
    expect(done.state).toMatchObject({ kind: 'done', verified: true });
    expect(states.has('failed')).toBe(false);
    const refreshes = h.auth.server.book.refreshes;
    const reqs = h.emu.requests();
    const parts = reqs.filter((r) => r.method === 'PUT' && r.path.includes('upload_sessions'));
    const rejected = parts.filter((r) => r.status === 401);
    const accepted = parts.filter((r) => r.status >= 200 && r.status < 300);
    console.log(`box 256 MiB: ${secs.toFixed(1)} s, ${refreshes} refreshes, ${forced} forced expiries, ${rejected.length} parts met a 401, ${accepted.length} parts accepted, ${reqs.filter((r) => r.status === 401).length} 401s in all`);
    expect(refreshes).toBeGreaterThanOrEqual(5);
    // Every part was accepted exactly once: nothing re-sent beyond the parts a 401 turned back.
    expect(new Set(accepted.map((r) => r.headers['content-range'])).size).toBe(accepted.length);
    expect(accepted.reduce((n, r) => n + r.bytes, 0)).toBe(256 * MiB);
    // A forced expiry turns back at most the parts on the wire at that moment (Box: 4 in flight).
    expect(rejected.length).toBeLessThanOrEqual(forced * 4 + 1);
    expect(rejected.length).toBeGreaterThan(0);
    const stored = (await h.emu.files()).find((f) => f.path === '/Footage/big.bin');
    expect(stored?.sha256).toBe(await sha256File(file));
  }, 240_000);

  it('OneDrive: the upload outlives its tokens without a failure; the Graph calls around it refresh', async () => {
    h = await startAccountHarness('onedrive', { ttlMs: 2_000, bytesPerSec: 24 * MiB });
    const file = await h.makeFile('big.bin', 256 * MiB);
    const t0 = Date.now();
    const [v] = await h.runtime.engine.add({ targetId: h.target.id, items: [{ localPath: file, remotePath: '/Footage/big.bin' }] });
    const states = new Set<string>();
    h.runtime.engine.onChange((all) => { for (const x of all) states.add(x.state.kind); });
    const done = await h.runtime.engine.settled(v!.id);
    const secs = (Date.now() - t0) / 1000;
    expect(done.state).toMatchObject({ kind: 'done', verified: true });
    expect(states.has('failed')).toBe(false);
    const reqs = h.emu.requests();
    const fragments = reqs.filter((r) => r.method === 'PUT' && r.path.includes('/up/'));
    console.log(`onedrive 256 MiB: ${secs.toFixed(1)} s, ${h.auth.server.book.refreshes} refreshes, ${fragments.length} fragments, ${reqs.filter((r) => r.status === 401).length} 401s; fragment PUTs with authorization: ${fragments.filter((r) => r.headers.authorization).length}`);
    // The upload URL carries its own credential: the wrapper must never add our token to it.
    expect(fragments.filter((r) => r.headers.authorization)).toEqual([]);
    expect(fragments.filter((r) => r.status >= 200 && r.status < 300).reduce((n, r) => n + r.bytes, 0)).toBe(256 * MiB);
    expect(secs).toBeGreaterThan(4);
    const stored = (await h.emu.files()).find((f) => f.path === '/Footage/big.bin');
    expect(stored?.sha256).toBe(await sha256File(file));
  }, 240_000);
});
