// The bandwidth timetable (`--bwlimit`), parsed as rclone parses its own flag so users can carry a
// schedule across: rclone/rclone fs/bwtimetable.go (BwTimetable.Set, LimitAt) and fs/sizesuffix.go
// (SizeSuffix.Set), documented at docs/content/docs.md "--bwlimit BwTimetable".
//
//   "4M"                          one limit all week
//   "08:00,512k 19:00,off"        from 08:00 every day 512 KiB/s, from 19:00 unlimited
//   "Mon-08:00,1M;Fri-18:00,off"  weekday slots; entries separated by spaces or semicolons
//
// Sizes are bytes per second with binary suffixes B|K|M|G|T|P (and KiB, MiB, ...); a bare number
// is KiB/s, as in rclone. "off" is unlimited. rclone's `UP:DOWN` pair is accepted and its UP
// half used (Ferry only uploads).
// Where Ferry differs: rclone treats 0 as "no limit"; in Ferry a 0 slot means "paused until the
// next slot" (an upload window that is closed), and a plain "0" means paused until changed.
// A slot without a weekday applies to every day (rclone expands it to seven slots; so do we).
// Pure: no clock here; times are (weekday, minute of day) in local time, see local-week.ts.
import { FerryError } from './errors.js';

/** Bytes per second; null = unlimited ("off"); 0 = paused. */
export type Rate = number | null;

export interface BwSlot {
  /** Minutes since Sunday 00:00 (0 ..< 7·24·60), local time. */
  at: number;
  rate: Rate;
}

/** Slots sorted by `at`; the last one wraps round to the start of the week. */
export interface BwTimetable {
  slots: BwSlot[];
  /** The text it was parsed from, for settings and messages. */
  spec: string;
}

/** The limit in force, as the engine reports it (settings panel, `ferry` output). */
export interface BandwidthInfo {
  /** The timetable text (`--bwlimit` syntax). */
  spec: string;
  rate: Rate;
  /** When the rate next changes (epoch ms); absent when it never does. */
  until?: number;
  /** Ferry processes of this computer sending under the limit now, this one included, when more than one. */
  sharers?: number;
}

export const WEEK_MIN = 7 * 24 * 60;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const LONG_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MULT: Record<string, number> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

const bad = (spec: string, why: string): FerryError => new FerryError('bad-input', `bandwidth limit ${JSON.stringify(spec)}: ${why}`);

/** One size, e.g. "4M", "512k", "1.5MiB", "100" (KiB), "off". */
export function parseRate(s: string, spec = s): Rate {
  const t = s.trim();
  if (t === '') throw bad(spec, 'empty size');
  if (t.toLowerCase() === 'off') return null;
  const m = /^(\d+(?:\.\d*)?|\.\d+)\s*([bkmgtp]?)(i?b?)$/i.exec(t);
  if (!m) throw bad(spec, `${JSON.stringify(t)} is not a size (a number with an optional B, K, M, G, T or P suffix, or "off")`);
  const unit = m[2]!.toLowerCase();
  const tail = m[3]!.toLowerCase();
  // rclone: "Ki"/"KiB" need a unit letter before them; a bare "i" or "iB" is a bad suffix.
  if (tail !== '' && (unit === '' || unit === 'b')) throw bad(spec, `bad size suffix in ${JSON.stringify(t)}`);
  if (tail === 'b' && unit !== '') throw bad(spec, `bad size suffix in ${JSON.stringify(t)} (use ${unit.toUpperCase()} or ${unit.toUpperCase()}iB)`);
  const mult = unit === '' ? MULT.k! : MULT[unit]!;
  const v = Number(m[1]) * mult;
  if (!Number.isFinite(v)) throw bad(spec, `${JSON.stringify(t)} is too large`);
  return Math.floor(v);
}

/** rclone's BwPair: "UP" or "UP:DOWN"; Ferry keeps UP. */
function parsePair(s: string, spec: string): Rate {
  const parts = s.split(':');
  if (parts.length > 2) throw bad(spec, `${JSON.stringify(s)} has more than one ":" (the form is UP or UP:DOWN)`);
  if (parts.length === 2) parseRate(parts[1]!, spec);
  return parseRate(parts[0]!, spec);
}

function parseHHMM(s: string, spec: string): number {
  if (!/^\d\d:\d\d$/.test(s)) throw bad(spec, `invalid time ${JSON.stringify(s)} (the form is HH:MM, 00:00 to 23:59)`);
  const hh = Number(s.slice(0, 2));
  const mm = Number(s.slice(3));
  if (hh > 23) throw bad(spec, `invalid hour in ${JSON.stringify(s)} (must be between 00 and 23)`);
  if (mm > 59) throw bad(spec, `invalid minute in ${JSON.stringify(s)} (must be between 00 and 59)`);
  return hh * 60 + mm;
}

function parseDay(s: string, spec: string): number {
  const d = s.toLowerCase();
  const i = DAYS.indexOf(d) >= 0 ? DAYS.indexOf(d) : LONG_DAYS.indexOf(d);
  if (i < 0) throw bad(spec, `invalid weekday ${JSON.stringify(s)} (Mon, Tue, ... or Monday, Tuesday, ...)`);
  return i;
}

/** Parses a `--bwlimit` value; throws FerryError('bad-input') naming the part that is wrong. */
export function parseBwLimit(spec: string): BwTimetable {
  const s = spec.trim();
  if (s === '') throw bad(spec, 'empty');
  // A single value without a time: one limit all week (rclone: no space and no comma).
  if (!/[ ,;]/.test(s)) return { slots: [{ at: 0, rate: parsePair(s, spec) }], spec: s };
  const slots: BwSlot[] = [];
  for (const tok of s.split(/[ ;]+/).filter((x) => x !== '')) {
    const tv = tok.split(',');
    if (tv.length !== 2) throw bad(spec, `invalid time/bandwidth entry ${JSON.stringify(tok)} (the form is [WEEKDAY-]HH:MM,SIZE)`);
    const [when, size] = tv as [string, string];
    const rate = parsePair(size, spec);
    if (!when.includes('-')) {
      const m = parseHHMM(when, spec);
      for (let day = 0; day < 7; day++) slots.push({ at: day * 1440 + m, rate });
    } else {
      const ds = when.split('-');
      if (ds.length !== 2) throw bad(spec, `invalid time ${JSON.stringify(when)} (the form is WEEKDAY-HH:MM)`);
      slots.push({ at: parseDay(ds[0]!, spec) * 1440 + parseHHMM(ds[1]!, spec), rate });
    }
  }
  // Stable sort: of two slots at the same minute the later entry wins (rclone's `dif <= mindif`).
  slots.sort((a, b) => a.at - b.at);
  const dedup = slots.filter((x, i) => slots[i + 1]?.at !== x.at);
  return { slots: dedup, spec: s };
}

/** An unlimited timetable. */
export const UNLIMITED: BwTimetable = { slots: [{ at: 0, rate: null }], spec: 'off' };

/**
 * The slot in force at minute-of-week `m`, and where it ends (minute of week, may exceed WEEK_MIN
 * when it wraps; undefined when the rate never changes).
 * rclone's LimitAt picks the latest slot at or before now, else the list's last entry; with
 * sorted slots that is the same as wrapping round from the latest slot of the week.
 */
export function slotAt(tt: BwTimetable, m: number): { rate: Rate; endsAt?: number } {
  const { slots } = tt;
  let i = slots.length - 1;
  for (let k = 0; k < slots.length; k++) if (slots[k]!.at <= m) i = k;
  const rate = slots[i]!.rate;
  // The next slot whose rate differs (same-rate slots, e.g. "08:00,1M" on seven days, are one window).
  for (let step = 1; step <= slots.length; step++) {
    const j = (i + step) % slots.length;
    if (slots[j]!.rate === rate) continue;
    let at = slots[j]!.at;
    while (at <= m) at += WEEK_MIN;
    return { rate, endsAt: at };
  }
  return { rate };
}

/** "4 MiB/s", "off", "paused": a rate for people. */
export function describeRate(r: Rate): string {
  if (r === null) return 'unlimited';
  if (r === 0) return 'paused';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = r;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}/s`;
}
