// The one window's options and the rules for where it may go, as pure data and functions so
// the security settings are unit-tested without an Electron binary (Electron's security
// checklist: isolation, sandbox, no Node in the page, no navigation, no new windows).
import type { BrowserWindowConstructorOptions } from 'electron';

/** The renderer is served from a custom standard scheme rather than file:// (checklist item 18). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'ferry';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const RENDERER_URL = `${APP_ORIGIN}/index.html`;

export function windowOptions(preloadPath: string, iconPath?: string): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 720,
    // The layout works down to 640 px (issue 13).
    minWidth: 640,
    ...(iconPath ? { icon: iconPath } : {}),
    minHeight: 420,
    show: false,
    title: 'Ferry',
    backgroundColor: '#0f1419',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  };
}

/** In-page navigation is allowed only within our own page (hash changes); anything else is denied. */
export function isAllowedNavigation(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN && u.pathname === '/index.html';
  } catch {
    return false;
  }
}

/** Permissions the page may get: none. Notifications are shown by main, not by the page. */
export function isAllowedPermission(_permission: string): boolean {
  return false;
}
