// The --bwlimit timetable, checked against the examples in rclone's docs (docs/content/docs.md,
// "--bwlimit BwTimetable") and the cases of rclone/rclone fs/bwtimetable_test.go / sizesuffix_test.go.
import { describe, expect, it } from 'vitest';
import { parseBwLimit, parseRate, slotAt, type BwTimetable } from '../../app/common/bwlimit-schedule.js';
import { fixedOffsetWeek, rateAt, type LocalWeek } from '../../app/common/local-week.js';
import { FerryError } from '../../app/common/errors.js';

const K = 1024;
const M = 1024 * 1024;
const at = (day: number, hh: number, mm: number): number => day * 1440 + hh * 60 + mm;
const rate = (tt: BwTimetable, day: number, hh: number, mm: number) => slotAt(tt, at(day, hh, mm)).rate;

describe('sizes (rclone SizeSuffix)', () => {
  it('reads binary suffixes; a bare number is KiB/s; off is unlimited', () => {
    expect(parseRate('4M')).toBe(4 * M);
    expect(parseRate('512k')).toBe(512 * K);
    expect(parseRate('512')).toBe(512 * K);
    expect(parseRate('0.625M')).toBe(Math.floor(0.625 * M));
    expect(parseRate('1MiB')).toBe(M);
    expect(parseRate('1Mi')).toBe(M);
    expect(parseRate('100B')).toBe(100);
    expect(parseRate('1G')).toBe(1024 * M);
    expect(parseRate('off')).toBeNull();
    expect(parseRate('OFF')).toBeNull();
    expect(parseRate('0')).toBe(0);
  });

  it('rejects what rclone rejects, naming the value', () => {
    for (const bad of ['4Q', '', 'M', '-1M', '1MB', '1iB', '1.2.3M', 'fast']) {
      expect(() => parseRate(bad), bad).toThrow(FerryError);
    }
    expect(() => parseBwLimit('4Q')).toThrow(/"4Q" is not a size/);
  });
});

describe('timetable (rclone BwTimetable)', () => {
  it('one value is one limit all week', () => {
    const tt = parseBwLimit('10M');
    expect(tt.slots).toEqual([{ at: 0, rate: 10 * M }]);
    expect(slotAt(tt, at(3, 12, 0))).toEqual({ rate: 10 * M });
  });

  it('UP:DOWN keeps the upload half', () => {
    expect(parseBwLimit('10M:100k').slots[0]!.rate).toBe(10 * M);
    expect(parseBwLimit('off:10M').slots[0]!.rate).toBeNull();
  });

  it('the docs example: 08:00,512k 12:00,10M 13:00,512k 18:00,30M 23:00,off (spaces or semicolons)', () => {
    for (const spec of ['08:00,512k 12:00,10M 13:00,512k 18:00,30M 23:00,off', '08:00,512k;12:00,10M;13:00,512k;18:00,30M;23:00,off']) {
      const tt = parseBwLimit(spec);
      expect(tt.slots).toHaveLength(35);
      expect(rate(tt, 2, 7, 59)).toBeNull(); // "Anything between 11pm and 8am will remain unlimited."
      expect(rate(tt, 2, 8, 0)).toBe(512 * K);
      expect(rate(tt, 2, 12, 30)).toBe(10 * M);
      expect(rate(tt, 2, 13, 0)).toBe(512 * K);
      expect(rate(tt, 2, 18, 0)).toBe(30 * M);
      expect(rate(tt, 2, 23, 30)).toBeNull();
      expect(rate(tt, 0, 0, 0)).toBeNull(); // Sunday midnight wraps from Saturday 23:00
    }
  });

  it('the weekday example: Mon-00:00,512 Fri-23:59,10M Sat-10:00,1M Sun-20:00,off', () => {
    const tt = parseBwLimit('Mon-00:00,512 Fri-23:59,10M Sat-10:00,1M Sun-20:00,off');
    expect(rate(tt, 1, 9, 0)).toBe(512 * K);
    expect(rate(tt, 5, 23, 58)).toBe(512 * K);
    expect(rate(tt, 5, 23, 59)).toBe(10 * M);
    expect(rate(tt, 6, 10, 0)).toBe(M);
    expect(rate(tt, 0, 19, 59)).toBe(M);
    expect(rate(tt, 0, 20, 0)).toBeNull();
    expect(rate(tt, 0, 10, 0)).toBe(M); // Sunday morning: Saturday's slot still runs
  });

  it('a slot without weekday is every day: Mon-00:00,512 12:00,1M Sun-20:00,off', () => {
    const tt = parseBwLimit('Mon-00:00,512 12:00,1M Sun-20:00,off');
    expect(tt.slots).toHaveLength(9);
    expect(rate(tt, 1, 11, 0)).toBe(512 * K);
    expect(rate(tt, 3, 11, 0)).toBe(M);
    expect(rate(tt, 0, 12, 30)).toBe(M);
    expect(rate(tt, 0, 21, 0)).toBeNull();
  });

  it('full weekday names, any case', () => {
    expect(parseBwLimit('monday-08:00,1M SUNDAY-09:00,off').slots.map((s) => s.at)).toEqual([at(0, 9, 0), at(1, 8, 0)]);
  });

  it('slot end skips slots with the same rate and wraps the week', () => {
    const tt = parseBwLimit('08:00,4M 19:00,off');
    expect(slotAt(tt, at(1, 9, 0))).toEqual({ rate: 4 * M, endsAt: at(1, 19, 0) });
    expect(slotAt(tt, at(6, 20, 0))).toEqual({ rate: null, endsAt: at(7, 8, 0) });
  });

  it('bad entries are errors naming the entry', () => {
    expect(() => parseBwLimit('08:00,4M 25:00,off')).toThrow(/invalid hour in "25:00"/);
    expect(() => parseBwLimit('08:00,4M 19:60,off')).toThrow(/invalid minute/);
    expect(() => parseBwLimit('8:00,4M 19:00,off')).toThrow(/invalid time "8:00"/);
    expect(() => parseBwLimit('Mun-08:00,4M')).toThrow(/invalid weekday "Mun"/);
    expect(() => parseBwLimit('08:00 4M')).toThrow(/invalid time\/bandwidth entry "08:00"/);
    expect(() => parseBwLimit('08:00,4M,1M')).toThrow(/invalid time\/bandwidth entry/);
    expect(() => parseBwLimit('08:00,4Q')).toThrow(/"4Q" is not a size/);
  });
});

describe('local time of the timetable', () => {
  const utc = fixedOffsetWeek(0);
  // Monday 2026-01-05 07:59:30 UTC
  const mon0759 = Date.UTC(2026, 0, 5, 7, 59, 30);

  it('rate and the instant it changes', () => {
    const tt = parseBwLimit('08:00,4M 19:00,off');
    expect(rateAt(tt, mon0759, utc)).toEqual({ rate: null, until: Date.UTC(2026, 0, 5, 8, 0) });
    expect(rateAt(tt, Date.UTC(2026, 0, 5, 8, 0), utc)).toEqual({ rate: 4 * M, until: Date.UTC(2026, 0, 5, 19, 0) });
  });

  it('follows the zone offset', () => {
    const tt = parseBwLimit('08:00,4M 19:00,off');
    // 07:30 UTC is 08:30 at UTC+1
    expect(rateAt(tt, Date.UTC(2026, 0, 5, 7, 30), fixedOffsetWeek(60))).toEqual({ rate: 4 * M, until: Date.UTC(2026, 0, 5, 18, 0) });
  });

  it('a window across a DST change starts at the wall-clock time', () => {
    // A zone that moves from UTC+0 to UTC+1 at 2026-03-29 01:00 UTC (Europe/London's rule).
    const change = Date.UTC(2026, 2, 29, 1, 0);
    const london: LocalWeek = (ms) => (ms < change ? fixedOffsetWeek(0) : fixedOffsetWeek(60))(ms);
    const tt = parseBwLimit('08:00,4M 19:00,off');
    const sat20 = Date.UTC(2026, 2, 28, 20, 0); // Saturday 20:00 GMT
    expect(rateAt(tt, sat20, london)).toEqual({ rate: null, until: Date.UTC(2026, 2, 29, 7, 0) }); // 08:00 BST
    // A slot in the skipped hour (01:30 local does not exist) starts when the gap ends.
    const gap = parseBwLimit('01:30,1M 12:00,off');
    expect(rateAt(gap, sat20, london).until).toBe(change);
  });
});
