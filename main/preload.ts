// The sandboxed preload: exposes `window.ferry`, one method per channel of app/common/api.ts,
// and never ipcRenderer itself. Payloads are still validated in main: this file runs in the
// renderer process and is no security boundary on its own.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { COMMAND_CHANNELS, EVENT_CHANNELS } from '../app/common/api.js';

const api: Record<string, unknown> = {};
for (const channel of COMMAND_CHANNELS) {
  api[channel] = (req: unknown) => ipcRenderer.invoke(channel, req ?? null);
}
for (const event of EVENT_CHANNELS) {
  api[event] = (listener: (payload: unknown) => void) => {
    const handler = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(event, handler);
    return () => void ipcRenderer.removeListener(event, handler);
  };
}
// Electron 32 removed File.path; a dropped file's path is only available here.
api.pathForFile = (file: unknown) => {
  try {
    return webUtils.getPathForFile(file as File);
  } catch {
    return '';
  }
};
contextBridge.exposeInMainWorld('ferry', api);
