// Security of the desktop shell, checked without Electron: window options, navigation and
// permission rules, the IPC gate (forged senders, malformed payloads, paths outside the
// allowed roots), served asset names, and where tokens end up.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAllowedExternalUrl, isInsideRoots } from '../../app/common/path-guard.js';
import { createFerryService, type FerryService } from '../../app/service/ferry-service.js';
import { JsonFolderStore } from '../../app/service/folder-store.js';
import { hostPathPolicy } from '../../app/runtime/host-paths.js';
import { desktopPathPolicy } from '../../main/desktop-paths.js';
import { EncryptedTargetStore, tokenWarning, type SecretBox } from '../../main/encrypted-target-store.js';
import { guardedInvoke } from '../../main/ipc-guard.js';
import { assetName } from '../../main/renderer-assets.js';
import { isAllowedNavigation, isAllowedPermission, RENDERER_URL, windowOptions } from '../../main/window-options.js';
import { FakeEngine, MemoryTargetStore } from '../fakes/fake-engine.js';

describe('window options', () => {
  it('isolate, sandbox and keep Node out of the page', () => {
    const w = windowOptions('/app/dist/main/preload.cjs').webPreferences!;
    expect(w).toMatchObject({
      preload: '/app/dist/main/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false,
      nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true,
      allowRunningInsecureContent: false, webviewTag: false, navigateOnDragDrop: false,
    });
  });

  it('allow navigation only to our own page and grant no permissions', () => {
    expect(isAllowedNavigation(RENDERER_URL)).toBe(true);
    expect(isAllowedNavigation(`${RENDERER_URL}#history`)).toBe(true);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://other/index.html', 'app://ferry/elsewhere.html', 'javascript:alert(1)', 'not a url']) {
      expect(isAllowedNavigation(url), url).toBe(false);
    }
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) expect(isAllowedPermission(p)).toBe(false);
  });

  it('open externally only https pages on the allow-list', () => {
    expect(isAllowedExternalUrl('https://github.com/ferry')).toBe(true);
    for (const url of ['http://github.com/', 'https://github.com.evil.example/', 'https://user@github.com/', 'file:///etc/passwd', 'smb://host/share', 'https://github.com:8443/']) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });

  it('serve only plain top-level asset names from the renderer build', () => {
    expect(assetName('/')).toBe('index.html');
    expect(assetName('/renderer.js')).toBe('renderer.js');
    for (const p of ['/../main/main.js', '/%2e%2e/x.js', '/sub/dir.js', '/.env', '/index', '/x.exe', '/a\\b.js']) expect(assetName(p), p).toBeUndefined();
  });
});

describe('IPC gate', () => {
  let dir: string;
  let engine: FakeEngine;
  let service: FerryService;
  const trusted = { url: RENDERER_URL, isMainFrame: true };

  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-ipc-'));
    await fsp.mkdir(join(dir, 'home', '.ssh'), { recursive: true });
    await fsp.mkdir(join(dir, 'home', 'Videos'), { recursive: true });
    await fsp.writeFile(join(dir, 'home', '.ssh', 'id_ed25519'), 'PRIVATE');
    await fsp.writeFile(join(dir, 'home', 'Videos', 'a.mov'), 'movie');
    await fsp.writeFile(join(dir, 'elsewhere.txt'), 'x');
    await fsp.symlink(join(dir, 'elsewhere.txt'), join(dir, 'home', 'Videos', 'link.txt'));
    const targets = new MemoryTargetStore();
    await targets.put({ id: 'sandbox', name: 'Sandbox', provider: 'ucloud', url: 'http://127.0.0.1:9', token: 's3cret', options: {}, conflict: 'rename', remoteRoot: '/sandbox', sandbox: true });
    engine = new FakeEngine({ targets });
    service = createFerryService({
      engine, targets, folders: new JsonFolderStore(join(dir, 'ferry', 'folders.json')),
      info: { shell: 'desktop', version: 't', platform: 'linux', nativeDialog: true, tokenStorage: 'os' },
      paths: () => desktopPathPolicy({ platform: 'linux', home: join(dir, 'home'), ferryHome: join(dir, 'home', '.config', 'Ferry'), tmp: join(dir, 'no-tmp') }),
    });
  });
  afterEach(() => fsp.rm(dir, { recursive: true, force: true }));

  it('refuses forged senders: another origin, an iframe, no frame, file://', async () => {
    for (const sender of [
      { url: 'https://evil.example/', isMainFrame: true },
      { url: RENDERER_URL, isMainFrame: false },
      { url: 'file:///tmp/index.html', isMainFrame: true },
      { url: 'app://ferry.evil/index.html', isMainFrame: true },
      null,
    ]) {
      const r = await guardedInvoke(service, sender, 'transfers:pauseAll', null);
      expect(r, JSON.stringify(sender)).toMatchObject({ ok: false, error: { code: 'auth', message: expect.stringContaining("not Ferry's own window") } });
    }
    expect(engine.calls).toEqual([]);
    expect(await guardedInvoke(service, trusted, 'transfers:pauseAll', null)).toEqual({ ok: true, value: null });
    expect(engine.calls).toEqual(['pauseAll']);
  });

  it('refuses malformed payloads with the channel and field in words', async () => {
    const cases: [string, unknown, string][] = [
      ['transfers:pause', { id: 7 }, 'transfers:pause: request.id must be a string'],
      ['transfers:pause', { id: 'x', extra: 1 }, 'transfers:pause: request.extra is not a known field'],
      ['transfers:add', { targetId: 'sandbox', paths: [] }, 'transfers:add: request.paths must not be empty'],
      ['transfers:add', { targetId: 'sandbox', paths: ['/a\0b'] }, 'transfers:add: request.paths[0] contains a NUL character'],
      ['targets:add', { name: 'x', provider: 'dropbox', url: 'https://x', token: '', remoteRoot: '/', conflict: 'rename', options: {} }, 'targets:add: request.provider must be one of'],
      ['targets:add', { name: 'x', provider: 'box', url: 'javascript:alert(1)', token: '', remoteRoot: '/', conflict: 'rename', options: {} }, 'targets:add: request.url must be an http(s) URL'],
      ['transfers:list', 'please', 'transfers:list: request must be empty'],
      ['shell:exec', null, 'unknown command channel "shell:exec"'],
    ];
    for (const [channel, payload, message] of cases) {
      const r = await guardedInvoke(service, trusted, channel, payload);
      expect(r, channel).toMatchObject({ ok: false, error: { code: 'bad-input', message: expect.stringContaining(message) } });
    }
    expect(engine.calls).toEqual([]);
  });

  it('refuses paths outside the allowed roots, secret folders and symlinks that lead out', async () => {
    const outside = join(dir, 'elsewhere.txt');
    const r1 = await guardedInvoke(service, trusted, 'transfers:add', { targetId: 'sandbox', paths: [outside] });
    expect(r1).toMatchObject({ ok: false, error: { code: 'bad-input', message: expect.stringContaining(`${outside}: outside the folders Ferry may read`) } });
    const r2 = await guardedInvoke(service, trusted, 'transfers:add', { targetId: 'sandbox', paths: [join(dir, 'home', '.ssh', 'id_ed25519')] });
    expect(r2).toMatchObject({ ok: false, error: { message: expect.stringMatching(/id_ed25519: inside .*\.ssh, which holds credentials .*never uploaded/) } });
    const r3 = await guardedInvoke(service, trusted, 'transfers:add', { targetId: 'sandbox', paths: [join(dir, 'home', 'Videos', 'link.txt')] });
    expect(r3).toMatchObject({ ok: false, error: { message: expect.stringContaining('outside the folders Ferry may read') } });
    const r4 = await guardedInvoke(service, trusted, 'transfers:add', { targetId: 'sandbox', paths: [join(dir, 'home', 'Videos', '..', '..', 'elsewhere.txt')] });
    expect(r4.ok).toBe(false);
    expect(engine.calls).toEqual([]);
    const ok = await guardedInvoke(service, trusted, 'transfers:add', { targetId: 'sandbox', paths: [join(dir, 'home', 'Videos', 'a.mov')] });
    expect(ok).toMatchObject({ ok: true, value: { added: [{ name: 'a.mov', remotePath: '/sandbox/a.mov' }], skipped: [] } });
  });

  it('denies the same never-upload set as `ferry host` (one definition)', () => {
    const home = join(dir, 'home');
    const ferryHome = join(home, '.config', 'Ferry');
    const desktop = desktopPathPolicy({ platform: process.platform, home, ferryHome, tmp: join(dir, 'tmp') });
    const host = hostPathPolicy({ allowRoots: [home], ferryHome, staging: join(ferryHome, 'staging'), home });
    expect(desktop.denied).toEqual(host.denied);
    for (const p of ['.ssh', '.gnupg', '.aws', '.netrc', '.docker', '.git-credentials', '.kube']) expect(desktop.denied).toContain(join(home, p));
    expect(desktop.denied).toContain(ferryHome);
  });

  it('never sends a token to the window', async () => {
    const r = await guardedInvoke(service, trusted, 'targets:list', null);
    expect(r).toMatchObject({ ok: true, value: [{ id: 'sandbox', hasToken: true }] });
    expect(JSON.stringify(r)).not.toContain('s3cret');
  });
});

describe('path guard', () => {
  it('compares whole segments, resolves dot-dot, folds case on Windows only', () => {
    expect(isInsideRoots('/home/ann/Videos/a.mov', ['/home/ann'])).toBe(true);
    expect(isInsideRoots('/home/annex/a.mov', ['/home/ann'])).toBe(false);
    expect(isInsideRoots('/home/ann/../bob/a', ['/home/ann'])).toBe(false);
    expect(isInsideRoots('relative/a', ['/'])).toBe(false);
    expect(isInsideRoots('C:\\Users\\Ann\\a.mov', ['c:\\users\\ann'])).toBe(true);
    expect(isInsideRoots('C:\\Users\\Ann\\..\\Bob\\a', ['C:\\Users\\Ann'])).toBe(false);
    expect(isInsideRoots('D:\\a', ['C:\\'])).toBe(false);
    expect(isInsideRoots('/Home/ann', ['/home/ann'])).toBe(false);
  });
});

describe('target store with OS encryption', () => {
  const kv = () => {
    const m = new Map<string, unknown>();
    return { m, get: (k: string) => structuredClone(m.get(k)), set: (k: string, v: unknown) => void m.set(k, structuredClone(v)) };
  };
  const xorBox = (available: boolean): SecretBox => ({
    available: () => available,
    encrypt: (s) => Buffer.from(Buffer.from(s).map((b) => b ^ 0x5a)),
    decrypt: (b) => Buffer.from(b.map((x) => x ^ 0x5a)).toString(),
  });
  const target = { id: 'box1', name: 'Box', provider: 'box' as const, url: 'https://api.box.com', token: 'tok-123', options: {}, conflict: 'rename' as const, remoteRoot: '/' };

  it('stores only the sealed token and opens it again', async () => {
    const store = kv();
    const s = new EncryptedTargetStore(store, xorBox(true));
    await s.put(target);
    expect(JSON.stringify(store.m.get('targets'))).not.toContain('tok-123');
    expect((await s.get('box1'))?.token).toBe('tok-123');
    expect(tokenWarning(xorBox(true))).toBeUndefined();
  });

  it('stores plain text, marked, with a warning when the OS offers no encryption', async () => {
    const store = kv();
    const s = new EncryptedTargetStore(store, xorBox(false));
    await s.put(target);
    expect(store.m.get('targets')).toMatchObject([{ token: { kind: 'plain', data: 'tok-123' } }]);
    expect(tokenWarning(xorBox(false))).toMatch(/no credential encryption.*plain text/);
  });

  it('keeps the sandbox in memory only, and survives a token that no longer opens', async () => {
    const store = kv();
    const s = new EncryptedTargetStore(store, { ...xorBox(true), decrypt: () => { throw new Error('keyring changed'); } });
    await s.put({ ...target, id: 'sandbox', sandbox: true });
    await s.put(target);
    expect((store.m.get('targets') as unknown[]).length).toBe(1);
    expect((await s.list()).map((t) => [t.id, t.token])).toEqual([['sandbox', 'tok-123'], ['box1', '']]);
  });
});
