// The desktop app's settings.json (electron-store). A damaged file used to stop the app from
// starting; it holds the sealed account tokens, so it is never silently cleared either: a file
// that is not a readable JSON object is moved to $FERRY_HOME/quarantine with a warning and the
// app starts with defaults. Written owner-only (0600) like everything under $FERRY_HOME.
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';

export function settingsStoreOptions(home: string): { name: string; cwd: string; clearInvalidConfig: true; configFileMode: number } {
  // clearInvalidConfig only as a last resort: setAsideDamagedSettings has kept a copy first.
  return { name: 'settings', cwd: home, clearInvalidConfig: true, configFileMode: 0o600 };
}

/** Runs before the store opens: moves a damaged settings file aside. Returns where it went. */
export function setAsideDamagedSettings(file: string, quarantineDir: string, warn: (message: string) => void): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return undefined;
  } catch {
    // damaged: set aside below
  }
  mkdirSync(quarantineDir, { recursive: true, mode: 0o700 });
  const dest = join(quarantineDir, `${Date.now()}-${basename(file)}`);
  renameSync(file, dest);
  warn(`${file} is damaged (not a readable JSON object): moved to ${dest}; starting with default settings (saved accounts must be added again, or restored from that copy)`);
  return dest;
}
