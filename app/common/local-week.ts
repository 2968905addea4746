// Where an instant falls in the local week, and when a timetable's slot ends, for the bandwidth
// timetable (bwlimit-schedule.ts). The timetable is wall-clock time in the process's time zone,
// as rclone's (`time.Now()` local, fs/bwtimetable.go LimitAt).
//
// Time zones and daylight saving: a slot at 08:00 starts at 08:00 on the wall clock on both sides
// of a DST change, so a window can be an hour shorter or longer on the day the clocks change. A
// slot whose time is skipped (02:30 on spring-forward night) starts at the first minute after the
// gap; in the repeated hour of autumn it starts at its first occurrence. The instant comes from
// the Clock port; only its conversion to local time uses the platform (Date), injectable for tests.
import { slotAt, WEEK_MIN, type BwTimetable, type Rate } from './bwlimit-schedule.js';

/** Local minute of the week (Sunday 00:00 = 0) of an instant; injectable for tests. */
export type LocalWeek = (ms: number) => number;

export const systemLocalWeek: LocalWeek = (ms) => {
  const d = new Date(ms);
  return d.getDay() * 1440 + d.getHours() * 60 + d.getMinutes();
};

/** A fixed offset from UTC (minutes east), for tests and for hosts that want UTC. */
export const fixedOffsetWeek = (offsetMin: number): LocalWeek => (ms) => {
  const d = new Date(ms + offsetMin * 60_000);
  return d.getUTCDay() * 1440 + d.getUTCHours() * 60 + d.getUTCMinutes();
};

/** The rate in force at `now` and the instant it next changes (undefined: never). */
export function rateAt(tt: BwTimetable, now: number, week: LocalWeek = systemLocalWeek): { rate: Rate; until?: number } {
  const m = week(now);
  const { rate, endsAt } = slotAt(tt, m);
  if (endsAt === undefined) return { rate };
  const startOfMinute = now - (((now % 60_000) + 60_000) % 60_000);
  let t = startOfMinute + (endsAt - m) * 60_000;
  // A DST change between now and then moves the wall clock: correct by what the wall clock reads.
  for (let i = 0; i < 3; i++) {
    const off = wrap(endsAt - week(t));
    if (off === 0) break;
    t += off * 60_000;
  }
  // In a spring-forward gap the wall time never occurs (the loop above swings either side of it):
  // take the first instant after the gap.
  for (let i = 0; i < 180 && wrap(endsAt - week(t)) > 0; i++) t += 60_000;
  while (t <= now) t += 60_000;
  return { rate, until: t };
}

/** A minute difference folded into (-half a week, half a week]. */
function wrap(d: number): number {
  let x = ((d % WEEK_MIN) + WEEK_MIN) % WEEK_MIN;
  if (x > WEEK_MIN / 2) x -= WEEK_MIN;
  return x;
}
