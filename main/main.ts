// Electron main: thin glue between Electron and the same runtime and command service the
// headless host uses. Everything decidable without Electron lives in pure modules beside this
// one (window options, IPC guard, attention, target store, path policy) and is unit-tested.
import { app, BrowserWindow, dialog, ipcMain, Notification, powerSaveBlocker, safeStorage, session, shell } from 'electron';
import Store from 'electron-store';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMAND_CHANNELS, type AppInfo } from '../app/common/api.js';
import { isAllowedExternalUrl } from '../app/common/path-guard.js';
import { FerryError } from '../app/common/errors.js';
import { startServices, type Services } from '../app/runtime/start-services.js';
import { FileAccountStore } from '../app/accounts/account-store.js';
import { RemoteTargetStore } from '../app/accounts/remote-targets.js';
import { accountsDir } from '../app/accounts/wiring.js';
import { AttentionTracker, shouldBlockSleep, trayStatus } from './attention.js';
import { desktopPathPolicy } from './desktop-paths.js';
import { EncryptedTargetStore, tokenWarning, type SecretBox } from './encrypted-target-store.js';
import { guardedInvoke } from './ipc-guard.js';
import { registerAppScheme, serveRenderer } from './protocol.js';
import { setAsideDamagedSettings, settingsStoreOptions } from './settings-file.js';
import { createTray } from './tray.js';
import { isAllowedNavigation, isAllowedPermission, RENDERER_URL, windowOptions } from './window-options.js';

const here = dirname(fileURLToPath(import.meta.url));
if (process.env.FERRY_HOME) app.setPath('userData', process.env.FERRY_HOME);
registerAppScheme();

let win: BrowserWindow | undefined;
let services: Services | undefined;
let quitting = false;

function showWindow(): void {
  if (!win || win.isDestroyed()) {
    win = new BrowserWindow(windowOptions(join(here, 'preload.cjs'), join(here, '../renderer/icon-256.png')));
    win.once('ready-to-show', () => win?.show());
    void win.loadURL(RENDERER_URL);
  } else {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }
}

// Every web contents, present and future: no navigation away, no new windows, no webviews.
app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (e, url) => { if (!isAllowedNavigation(url)) e.preventDefault(); });
  contents.on('will-redirect', (e, url) => { if (!isAllowedNavigation(url)) e.preventDefault(); });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(isAllowedPermission(permission)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => isAllowedPermission(permission));
  serveRenderer(join(here, '..', 'renderer'));

  const home = app.getPath('userData');
  // A damaged settings.json is set aside (never a failed start, never silently cleared).
  const setAside = setAsideDamagedSettings(join(home, 'settings.json'), join(home, 'quarantine'), (m) => console.warn(`ferry: ${m}`));
  const settings = new Store<Record<string, unknown>>(settingsStoreOptions(home));
  const box: SecretBox = {
    // Linux without a keyring falls back to a hard-coded key ('basic_text'): that is not encryption.
    available: () => safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    encrypt: (s) => safeStorage.encryptString(s),
    decrypt: (b) => safeStorage.decryptString(b),
  };
  // The remotes of FERRY_HOME (Accounts) are targets remote-<name> beside the window's own.
  const targets = new RemoteTargetStore(new EncryptedTargetStore({ get: (k) => settings.get(k), set: (k, v) => settings.set(k, v) }, box), new FileAccountStore(accountsDir(home)));
  const tokenWarn = tokenWarning(box);
  const damaged = setAside ? `Ferry's settings file was damaged and was moved to ${setAside}; saved accounts may need to be added again.` : undefined;
  const warning = [tokenWarn, damaged].filter((w) => w !== undefined).join(' ') || undefined;
  const info: AppInfo = {
    shell: 'desktop', version: app.getVersion(), platform: process.platform, nativeDialog: true,
    tokenStorage: tokenWarn ? 'none' : 'os', ...(warning ? { warning } : {}),
  };
  services = await startServices({
    home, sandbox: true, targets, info,
    paths: () => desktopPathPolicy({ platform: process.platform, home: app.getPath('home'), ferryHome: home, tmp: tmpdir(), appData: app.getPath('appData') }),
    pick: async (folders) => {
      const r = await dialog.showOpenDialog(win!, { properties: folders ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'] });
      return r.canceled ? [] : r.filePaths;
    },
    openExternal: async (url) => {
      if (!isAllowedExternalUrl(url)) throw new FerryError('bad-input', `${url} is not on the list of pages Ferry opens`);
      await shell.openExternal(url);
    },
    // Sign-in pages are built by the service from the account's address, never taken from the window.
    openSignIn: async (url) => {
      if (!/^https?:\/\//.test(url)) throw new FerryError('bad-input', `${url} is not a web address`);
      await shell.openExternal(url);
    },
  });
  const { service, runtime } = services;
  for (const channel of COMMAND_CHANNELS) {
    ipcMain.handle(channel, (e, payload: unknown) => {
      const frame = e.senderFrame;
      return guardedInvoke(service, frame ? { url: frame.url, isMainFrame: frame === e.sender.mainFrame } : null, channel, payload);
    });
  }
  service.subscribe((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(event, payload);
  });

  const tray = createTray({
    open: showWindow,
    pauseAll: () => void runtime.engine.pauseAll(),
    resumeAll: () => void runtime.engine.resumeAll(),
    quit: () => app.quit(),
    startAtLogin: {
      get: () => settings.get('startAtLogin') === true,
      set: (on) => { settings.set('startAtLogin', on); app.setLoginItemSettings({ openAtLogin: on }); },
    },
  }, join(here, '../renderer/icon-32.png'));
  const attention = new AttentionTracker();
  let blocker: number | undefined;
  runtime.engine.onChange((views) => {
    for (const n of attention.next(views)) if (Notification.isSupported()) new Notification(n).show();
    const block = shouldBlockSleep(views);
    if (block && blocker === undefined) blocker = powerSaveBlocker.start('prevent-app-suspension');
    if (!block && blocker !== undefined) { powerSaveBlocker.stop(blocker); blocker = undefined; }
    tray.setStatus(trayStatus(views));
  });
  showWindow();

  app.on('before-quit', (e) => {
    if (quitting) return;
    // Let the engine persist where each upload stands (at most one chunk is lost), then quit.
    e.preventDefault();
    quitting = true;
    void Promise.allSettled([services?.close()]).finally(() => { tray.destroy(); app.exit(0); });
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  // Closing the window keeps transfers going from the tray; quitting is explicit.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => showWindow());
  app.whenReady().then(start).catch((e: unknown) => {
    dialog.showErrorBox('Ferry could not start', e instanceof Error ? e.message : String(e));
    app.exit(1);
  });
}
