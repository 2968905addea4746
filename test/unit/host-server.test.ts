// The headless host over real loopback HTTP with a fake engine: token handling, browser-attack
// guards, commands, browser uploads into staging, path policy and the event stream.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TransfersDelta } from '../../app/common/api.js';
import { hostInfo, startHost } from '../../app/host/start-host.js';
import { StagingArea } from '../../app/host/staging.js';
import type { TargetStore } from '../../app/engine/engine-api.js';
import { createFerryService } from '../../app/service/ferry-service.js';
import { JsonFolderStore } from '../../app/service/folder-store.js';
import type { RunningHost } from '../../app/host/host-server.js';
import { FakeEngine, MemoryTargetStore } from '../fakes/fake-engine.js';

let dir: string;
let host: RunningHost;

/** The host as `ferry host` composes it, over a fake engine. */
function testHost(engine: FakeEngine, targets: TargetStore, home: string, staticDir: string, o: { allowRoots?: string[]; bind?: string } = {}): Promise<RunningHost> {
  const staging = new StagingArea(join(home, 'staging'));
  const service = createFerryService({
    engine, targets, folders: new JsonFolderStore(join(home, 'folders.json')), info: hostInfo('0.0.0-test'),
    paths: () => ({ allowed: o.allowRoots ?? [], denied: [home], staging: staging.dir }),
  });
  return startHost({ service, engine, staging, staticDir, ...(o.bind ? { bind: o.bind } : {}) });
}
let engine: FakeEngine;
let outside: string;

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-host-'));
  const web = join(dir, 'web');
  await fsp.mkdir(web);
  await fsp.writeFile(join(web, 'index.html'), '<!doctype html><title>Ferry</title>');
  await fsp.writeFile(join(web, 'renderer.js'), 'export {}');
  outside = join(dir, 'outside.bin');
  await fsp.writeFile(outside, 'secret');
  const targets = new MemoryTargetStore();
  await targets.put({ id: 'sandbox', name: 'Sandbox', provider: 'tus', url: 'http://127.0.0.1:9', token: 'tok-secret', options: {}, conflict: 'rename', remoteRoot: '/', sandbox: true });
  engine = new FakeEngine({ targets });
  host = await testHost(engine, targets, join(dir, 'home'), web, { allowRoots: [join(dir, 'allowed')] });
});

afterEach(async () => {
  await host.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

const bearer = () => ({ authorization: `Bearer ${host.token}` });
const call = async (channel: string, body: unknown, headers: Record<string, string> = bearer()) => {
  const res = await fetch(`${host.url}/api/call/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value?: any; error?: { code: string; message: string } } };
};

describe('ferry host: authentication', () => {
  it('answers 401 to every API route without the token, and never leaks target tokens', async () => {
    for (const [method, path] of [['POST', '/api/call/transfers:list'], ['GET', '/api/events'], ['POST', '/api/files'], ['DELETE', '/api/session']] as const) {
      const res = await fetch(`${host.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
      await res.body?.cancel();
    }
    const wrong = await fetch(`${host.url}/api/call/transfers:list`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const targets = await call('targets:list', null);
    expect(targets.body.value[0]).toMatchObject({ id: 'sandbox', hasToken: true });
    expect(JSON.stringify(targets.body)).not.toContain('tok-secret');
  });

  it('item 3: never puts the host token in a cookie; the page holds a revocable per-session secret sent as a header', async () => {
    const code = new URL(host.openUrl).hash.replace(/^#code=/, '');
    expect(code).not.toBe('');
    expect(host.openUrl).not.toContain(host.token);
    // The page itself is public (it holds no secret) and sets no cookie.
    const page = await fetch(host.openUrl.replace(/#.*/, ''));
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<title>Ferry</title>');
    // The old flow (token in the query string) no longer hands out anything.
    const old = await fetch(`${host.url}/?token=${encodeURIComponent(host.token)}`, { redirect: 'manual' });
    expect(old.headers.get('set-cookie')).toBeNull();
    await old.body?.cancel();
    const ex = await fetch(`${host.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect(ex.status).toBe(200);
    expect(ex.headers.get('set-cookie')).toBeNull();
    const session = ((await ex.json()) as { value: { session: string } }).value.session;
    expect(session).not.toContain(host.token);
    const withSession = { 'x-ferry-session': session };
    expect((await call('transfers:list', null, withSession)).body).toEqual({ ok: true, value: [] });
    // The event stream takes the same header (the page reads it with fetch, not EventSource).
    const events = await fetch(`${host.url}/api/events`, { headers: withSession });
    expect(events.status).toBe(200);
    await events.body?.cancel();
    // A cookie, even one holding the real token, authorises nothing.
    expect((await call('transfers:list', null, { cookie: `ferry_token_${new URL(host.url).port}=${host.token}`, 'x-ferry-request': '1' })).status).toBe(401);
    // Revoked: the secret stops working at once.
    const out = await fetch(`${host.url}/api/session`, { method: 'DELETE', headers: withSession });
    expect(out.status).toBe(200);
    expect((await call('transfers:list', null, withSession)).status).toBe(401);
  });

  it('item 4: the URL code works once; a second use (from the browser history) is refused', async () => {
    const code = new URL(host.openUrl).hash.replace(/^#code=/, '');
    const exchange = () => fetch(`${host.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect((await exchange()).status).toBe(200);
    const again = await exchange();
    expect(again.status).toBe(401);
    expect(((await again.json()) as any).error.message).toMatch(/already used|unknown/);
    // Scripts holding the host token may open a session too.
    const scripted = await fetch(`${host.url}/api/session`, { method: 'POST', headers: bearer() });
    expect(scripted.status).toBe(200);
  });

  it('item 16: a malformed cookie or header is a 400 or 401, never a 500 "internal"', async () => {
    const port = new URL(host.url).port;
    const bad = await fetch(`${host.url}/api/call/transfers:list`, { method: 'POST', headers: { cookie: `ferry_token_${port}=%E0%A4%A; x=%`, 'x-ferry-request': '1' } });
    expect(bad.status).toBe(401);
    const name = await fetch(`${host.url}/api/files`, { method: 'POST', headers: { ...bearer(), 'x-ferry-name': '%E0%A4%A', 'x-ferry-batch': 'b9' }, body: 'x' });
    expect(name.status).toBe(400);
    expect(((await name.json()) as any).error).toMatchObject({ code: 'bad-input', message: expect.stringContaining('x-ferry-name') });
    const session = await fetch(`${host.url}/api/call/transfers:list`, { method: 'POST', headers: { 'x-ferry-session': 'a.b.c.%%' } });
    expect(session.status).toBe(401);
    const auth = await fetch(`${host.url}/api/call/transfers:list`, { method: 'POST', headers: { authorization: 'Bearer' } });
    expect(auth.status).toBe(401);
    const path = await fetch(`${host.url}/api/call/%E0%A4%A`, { method: 'POST', headers: bearer() });
    // Commands answer a Result: an unknown (undecodable) channel is a bad-input answer, not a crash.
    expect(path.status).not.toBe(500);
    expect(((await path.json()) as any).error.code).toBe('bad-input');
  });

  it('refuses a foreign Origin, a rebound Host name and non-loopback binds', async () => {
    expect((await call('transfers:list', null, { ...bearer(), origin: 'http://evil.example' })).status).toBe(403);
    const port = new URL(host.url).port;
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/', headers: { host: `evil.example:${port}`, ...bearer() } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(status).toBe(421);
    await expect(testHost(engine, new MemoryTargetStore(), join(dir, 'h2'), join(dir, 'web'), { bind: '0.0.0.0' }))
      .rejects.toThrow(/refusing to listen on 0\.0\.0\.0.*--allow-remote/);
  });
});

describe('ferry host: commands and uploads', () => {
  it('stages a browser upload, adds it, and streams the change as deltas', async () => {
    const events = await fetch(`${host.url}/api/events`, { headers: bearer() });
    const reader = events.body!.getReader();
    const seen: TransfersDelta[] = [];
    let buf = '';
    const nextDelta = async () => {
      for (let i = 0; i < 50; i++) {
        const m = /event: transfers:changed\ndata: (.*)\n\n/.exec(buf);
        if (m) {
          buf = buf.slice(m.index + m[0].length);
          return JSON.parse(m[1]!) as TransfersDelta;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buf += new TextDecoder().decode(value);
      }
      throw new Error('no delta');
    };
    seen.push(await nextDelta());
    expect(seen[0]).toEqual({ reset: true, upsert: [], remove: [] });

    const staged = await fetch(`${host.url}/api/files`, {
      method: 'POST', headers: { ...bearer(), 'x-ferry-name': encodeURIComponent('Clips/day 1.mov'), 'x-ferry-batch': 'b1' }, body: 'hello world',
    });
    const { value } = (await staged.json()) as { value: { localPath: string; top: string } };
    expect(await fsp.readFile(value.localPath, 'utf8')).toBe('hello world');
    const added = await call('transfers:add', { targetId: 'sandbox', paths: [value.top], remoteDir: '/Inbox' });
    expect(added.body.ok).toBe(true);
    expect(added.body.value).toMatchObject({ added: [{ name: 'day 1.mov', remotePath: '/Inbox/Clips/day 1.mov', size: 11 }], skipped: [] });
    const delta = await nextDelta();
    expect(delta.reset).toBe(false);
    expect(delta.upsert.map((v) => v.remotePath)).toEqual(['/Inbox/Clips/day 1.mov']);

    engine.advance(11);
    expect((await nextDelta()).upsert[0]!.state.kind).toBe('done');
    await reader.cancel();
    // The staged copy is removed once its transfer is done.
    await expect.poll(() => fsp.stat(value.localPath).then(() => 'there', () => 'gone'), { timeout: 5_000 }).toBe('gone');
  });

  it('rejects staged names that climb out of the staging folder', async () => {
    const res = await fetch(`${host.url}/api/files`, {
      method: 'POST', headers: { ...bearer(), 'x-ferry-name': encodeURIComponent('../../escape.txt'), 'x-ferry-batch': 'b2' }, body: 'x',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({ code: 'bad-input', message: expect.stringContaining('not a plain relative path') });
    await expect(fsp.stat(join(dir, 'home', 'escape.txt'))).rejects.toThrow();
  });

  it('refuses paths outside the allowed roots and malformed payloads, naming the cause', async () => {
    const r1 = await call('transfers:add', { targetId: 'sandbox', paths: [outside] });
    expect(r1.body).toMatchObject({ ok: false, error: { code: 'bad-input', message: expect.stringContaining(`${outside}: outside the folders Ferry may read`) } });
    const r2 = await call('transfers:pause', { id: 42 });
    expect(r2.body).toEqual({ ok: false, error: { code: 'bad-input', message: 'transfers:pause: request.id must be a string' } });
    const r3 = await call('transfers:frobnicate', null);
    expect(r3.body.error?.message).toContain('unknown command channel');
    expect(engine.calls).toEqual([]);
  });

  it('adds a file from an allowed root by path and pauses, resumes and cancels it', async () => {
    await fsp.mkdir(join(dir, 'allowed'));
    await fsp.writeFile(join(dir, 'allowed', 'a.bin'), Buffer.alloc(100));
    const added = await call('transfers:add', { targetId: 'sandbox', paths: [join(dir, 'allowed')] });
    const id = added.body.value.added[0].id as string;
    expect(added.body.value.added[0].remotePath).toBe('/allowed/a.bin');
    engine.advance(10);
    expect((await call('transfers:pause', { id })).body).toEqual({ ok: true, value: null });
    expect(engine.get(id)!.state.kind).toBe('paused');
    await call('transfers:resume', { id });
    await call('transfers:cancel', { id });
    expect(engine.get(id)!.state).toEqual({ kind: 'cancelled', sessionDeleted: true });
    expect(engine.calls).toEqual(['add:1', `pause:${id}`, `resume:${id}`, `cancel:${id}`]);
  });
});
