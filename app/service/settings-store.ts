// The transfer settings a user chooses in the window or through the host's `settings:set` (the
// bandwidth limit and files at once), kept in $FERRY_HOME/transfer-settings.json so they are still
// in force after the desktop app or `ferry host` restarts. Not `settings.json`: in the same folder
// that is the desktop app's electron-store file (sealed account tokens), which this must not touch.
// Written like targets.json and folders.json (node/guarded-json.ts): atomically, the previous good
// copy kept as .bak, a damaged file quarantined with a warning. A value a person edited by hand is
// checked with the same parser as `--bwlimit` and the same range as the window; a bad one is
// reported by name and left out, the others still apply.
import { join } from 'node:path';
import type { SettingsChange } from '../common/api.js';
import { filesAtOnceProblem } from '../common/api-validate.js';
import { parseBwLimit, type BwTimetable } from '../common/bwlimit-schedule.js';
import { readGuardedObject, writeGuardedObject, type GuardedJsonOptions } from '../node/guarded-json.js';

export const SETTINGS_FILE = 'transfer-settings.json';

/** What a store holds, parsed: ready for EngineSettings (`bwlimit`, `maxConcurrent`). */
export interface StoredSettings {
  bwlimit?: BwTimetable;
  filesAtOnce?: number;
}

export interface SettingsStore {
  /** Never throws on bad content: each problem goes to `warn`, naming the file, the field and the cause. */
  load(): Promise<StoredSettings>;
  /** Saves the fields of `change` that are set; the others keep their stored value. */
  save(change: SettingsChange): Promise<void>;
}

export class JsonSettingsStore implements SettingsStore {
  readonly path: string;
  private readonly guard: GuardedJsonOptions;
  private queue: Promise<unknown> = Promise.resolve();

  /** `home` is $FERRY_HOME; a damaged file goes to its quarantine folder. */
  constructor(home: string, private readonly warn: (message: string) => void = () => undefined) {
    this.path = join(home, SETTINGS_FILE);
    this.guard = { quarantineDir: join(home, 'quarantine'), warn };
  }

  async load(): Promise<StoredSettings> {
    // Settings are worth a warning, never a failed start: an unreadable file (a folder by that
    // name, no permission) is said and the defaults used.
    const raw = await this.serial(() => readGuardedObject(this.path, this.guard)).catch((e: unknown) => {
      this.warn(`${this.path} cannot be read (${(e as Error).message}); the defaults are used`);
      return {} as Record<string, unknown>;
    });
    const out: StoredSettings = {};
    if (raw.bwlimit !== undefined) {
      try {
        if (typeof raw.bwlimit !== 'string') throw new Error('it must be a text in --bwlimit syntax, such as "4M" or "08:00,512k 19:00,off"');
        out.bwlimit = parseBwLimit(raw.bwlimit);
      } catch (e) {
        this.warn(`${this.path}: bwlimit ${JSON.stringify(raw.bwlimit)} is not used: ${(e as Error).message}; there is no limit until one is set again`);
      }
    }
    if (raw.filesAtOnce !== undefined) {
      const problem = filesAtOnceProblem(raw.filesAtOnce);
      if (problem) this.warn(`${this.path}: filesAtOnce ${JSON.stringify(raw.filesAtOnce)} is not used: ${problem}; the default applies until it is set again`);
      else out.filesAtOnce = raw.filesAtOnce as number;
    }
    return out;
  }

  async save(change: SettingsChange): Promise<void> {
    // Merged into what the file holds: keys this version does not know (a newer Ferry's) are kept.
    await this.serial(async () => {
      const raw = await readGuardedObject(this.path, this.guard);
      if (change.bwlimit !== undefined) raw.bwlimit = change.bwlimit;
      if (change.filesAtOnce !== undefined) raw.filesAtOnce = change.filesAtOnce;
      await writeGuardedObject(this.path, raw);
    });
  }

  /** One read-modify-write at a time: two quick changes from the window must both be kept. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.queue.then(f);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
