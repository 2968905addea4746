// The tray: status, pause all, resume all, open, start at login, quit. Closing the window keeps
// Ferry (and its transfers) running here.
import { Menu, Tray, nativeImage } from 'electron';

export interface TrayActions {
  open(): void;
  pauseAll(): void;
  resumeAll(): void;
  quit(): void;
  startAtLogin: { get(): boolean; set(on: boolean): void };
}

/** The app icon (renderer/icon.svg rendered by scripts/make-icons.mjs), else a drawn disc. */
function icon(path?: string): Electron.NativeImage {
  const file = path ? nativeImage.createFromPath(path) : undefined;
  if (file && !file.isEmpty()) return file.resize({ width: 16, height: 16 });
  return disc();
}

/** A 16×16 ferry-blue disc drawn in memory, for when the icon file is missing. */
function disc(): Electron.NativeImage {
  const size = 16;
  const px = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - 7.5, y - 7.5);
      const i = (y * size + x) * 4;
      // BGRA
      px[i] = 0xad; px[i + 1] = 0x5c; px[i + 2] = 0x0b; px[i + 3] = d <= 7 ? 255 : 0;
    }
  }
  return nativeImage.createFromBitmap(px, { width: size, height: size });
}

export function createTray(a: TrayActions, iconPath?: string): { setStatus(text: string): void; destroy(): void } {
  const tray = new Tray(icon(iconPath));
  tray.setToolTip('Ferry');
  let status = 'Idle';
  const build = () => tray.setContextMenu(Menu.buildFromTemplate([
    { label: status, enabled: false },
    { type: 'separator' },
    { label: 'Open Ferry', click: a.open },
    { label: 'Pause all', click: a.pauseAll },
    { label: 'Resume all', click: a.resumeAll },
    { type: 'separator' },
    { label: 'Start at login', type: 'checkbox', checked: a.startAtLogin.get(), click: (item) => a.startAtLogin.set(item.checked) },
    { label: 'Quit Ferry', click: a.quit },
  ]));
  build();
  tray.on('click', a.open);
  return {
    setStatus(text) {
      if (text === status) return;
      status = text;
      tray.setToolTip(`Ferry: ${text}`);
      build();
    },
    destroy: () => tray.destroy(),
  };
}
