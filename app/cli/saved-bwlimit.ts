// The bandwidth limit `ferry upload` and `ferry sync` run with: `--bwlimit` when given (for that run
// only; the saved value is neither read nor changed), else the one saved by the window or
// `ferry host` (settings:set, $FERRY_HOME/transfer-settings.json). The limit is a property of the
// user's link, so a command run beside the app keeps to it too; files at once stay each
// command's own. A saved limit in force is said once, with where it comes from, so a slow upload
// is never a mystery.
import type { BwTimetable } from '../common/bwlimit-schedule.js';
import { JsonSettingsStore } from '../service/settings-store.js';

export async function effectiveBwLimit(flag: BwTimetable | undefined, home: string, say: (line: string) => void): Promise<BwTimetable | undefined> {
  if (flag) return flag;
  const store = new JsonSettingsStore(home, (m) => say(`warning: ${m}`));
  const saved = (await store.load()).bwlimit;
  if (saved && saved.spec !== 'off') say(`note: bandwidth limit ${saved.spec} from ${store.path} (set in the window or by settings:set); --bwlimit overrides it for one run`);
  return saved;
}
