// Entry point of the renderer. The same build runs in Electron (the preload exposes
// `window.ferry`) and in a browser served by `ferry host` (no `window.ferry`: speak HTTP).
import type { AppInfo, Bridge, FerryWindowApi } from '../app/common/api.js';
import { startApp, type FerryApp } from './app.js';
import { httpBridge } from './bridge-http.js';
import { ipcBridge } from './bridge-ipc.js';

declare global {
  interface Window {
    ferry?: FerryWindowApi;
    /** Set once the UI is up; the UI benchmark and the e2e tests read it. */
    ferryApp?: FerryApp;
  }
}

async function main(): Promise<void> {
  const root = document.getElementById('app')!;
  const api = window.ferry;
  const bridge: Bridge = api ? ipcBridge(api) : httpBridge();
  const info = await bridge.invoke('app:info', null);
  if (!info.ok) {
    root.textContent = `Ferry could not start: ${info.error.message}`;
    return;
  }
  const app: AppInfo = info.value;
  document.title = app.shell === 'host' ? 'Ferry (host)' : 'Ferry';
  window.ferryApp = startApp(bridge, app, root, api ? (f) => api.pathForFile(f) : undefined);
  document.body.dataset.ready = 'true';
}

void main();
