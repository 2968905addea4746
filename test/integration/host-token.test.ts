// Issue 11, item 4: the host's token changes at every start unless the user pins it, so a token
// copied from an old terminal or browser history stops working; the printed URL carries only a
// single-use code, never the token. The real `ferry host` as a child process.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, hostSuite, startHostChild } from '../e2e/host-process.js';

describe('ferry host token lifetime', () => {
  const suite = hostSuite('ferry-token-');

  const once = async (home: string, args: string[] = []) => {
    const h = await startHostChild({ bundle: suite.bundle, home, web: suite.web, port: await freePort(), args: ['--no-sandbox', ...args] });
    const listed = await fetch(`${h.base}/api/call/transfers:list`, { method: 'POST', headers: { authorization: `Bearer ${h.token}` } });
    await h.stop();
    expect(listed.status).toBe(200);
    expect(h.url).not.toContain(h.token);
    return h.token;
  };

  it('rotates the token at every start', async () => {
    const home = join(suite.dir, 'rotating');
    const a = await once(home);
    const b = await once(home);
    expect(a).not.toBe(b);
    expect((await fsp.stat(join(home, 'host-token'))).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('keeps the token across starts with --pin-token, and --new-token replaces the pinned one', async () => {
    const home = join(suite.dir, 'pinned');
    const a = await once(home, ['--pin-token']);
    const b = await once(home, ['--pin-token']);
    expect(b).toBe(a);
    const c = await once(home, ['--pin-token', '--new-token']);
    expect(c).not.toBe(a);
  }, 60_000);

  it('item 8: starts (with a new sandbox) when sandbox/emulator.json is damaged, and says so', async () => {
    const home = join(suite.dir, 'damaged');
    await fsp.mkdir(join(home, 'sandbox'), { recursive: true });
    await fsp.writeFile(join(home, 'sandbox', 'emulator.json'), '{"port": 12');
    const h = await startHostChild({ bundle: suite.bundle, home, web: suite.web, port: await freePort() });
    try {
      const targets = await fetch(`${h.base}/api/call/targets:list`, { method: 'POST', headers: { authorization: `Bearer ${h.token}` } });
      expect(((await targets.json()) as { value: { id: string }[] }).value.map((t) => t.id)).toContain('sandbox');
      expect(h.stderr()).toMatch(/emulator\.json is damaged/);
    } finally {
      await h.stop();
    }
  }, 60_000);
});
