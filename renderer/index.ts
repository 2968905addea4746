// Entry point of the renderer. The same build runs in Electron (the preload exposes
// `window.ferry`) and in a browser served by `ferry host` (no `window.ferry`: speak HTTP).
import type { AppInfo, Bridge, FerryWindowApi } from '../app/common/api.js';
import { startApp, type FerryApp } from './app.js';
import { httpBridge } from './bridge-http.js';
import { ipcBridge } from './bridge-ipc.js';
import { h } from './dom.js';

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
  const http = api ? undefined : httpBridge();
  const bridge: Bridge = api ? ipcBridge(api) : http!;
  let info = await bridge.invoke('app:info', null);
  // The link `ferry host` printed works once; opened again (from history, a second tab) the page
  // asks for the host token instead, and never keeps it: it only opens a session.
  while (!info.ok && info.error.code === 'auth' && http) {
    const token = await askForToken(root, info.error.message);
    const signed = await http.signIn(token);
    info = signed.ok ? await bridge.invoke('app:info', null) : signed;
  }
  if (!info.ok) {
    root.textContent = `Ferry could not start: ${info.error.message}`;
    return;
  }
  const app: AppInfo = info.value;
  document.title = app.shell === 'host' ? 'Ferry (host)' : 'Ferry';
  window.ferryApp = startApp(bridge, app, root, api ? (f) => api.pathForFile(f) : undefined);
  document.body.dataset.ready = 'true';
}

function askForToken(root: HTMLElement, why: string): Promise<string> {
  const input = h('input', { type: 'password', name: 'host-token', autocomplete: 'off', 'aria-label': 'Host token', required: true });
  const form = h('form', { class: 'sign-in', 'aria-label': 'Sign in to the Ferry host' },
    h('p', { text: `${why}. This link was already used, or the host restarted. Open the new URL \`ferry host\` printed, or paste the token from $FERRY_HOME/host-token:` }),
    input, h('button', { type: 'submit', text: 'Sign in' }));
  root.replaceChildren(form);
  input.focus();
  return new Promise((resolve) => form.addEventListener('submit', (e) => { e.preventDefault(); resolve(input.value.trim()); }, { once: true }));
}

void main();
