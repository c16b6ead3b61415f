import { DateTime } from 'luxon';

/** Days as a policy names them; index + 1 is luxon's ISO weekday (1 = Monday). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A business-hours calendar (SPEC §14): the same working hours on every working day, in one IANA
 * time zone, minus holidays (local dates). Hours are local wall-clock times `HH:MM`, `end` may be
 * `24:00`; the time counted is real elapsed time inside them, so a daylight-saving change inside
 * working hours counts as the hour it really was.
 */
export type BusinessCalendar = {
  time_zone: string;
  working_days: Weekday[];
  working_hours: { start: string; end: string }[];
  holidays: string[];
};

/** How far a walk over a calendar goes before it gives up (a calendar of holidays only). */
const MAX_DAYS = 3700;
const MINUTE_MS = 60_000;

export function isKnownTimeZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid;
}

/** `HH:MM` (00:00-24:00) → minutes after midnight, or undefined. */
export function minutesOfDay(text: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 1440 ? minutes : undefined;
}

/** The instants [start, end) of the working intervals of the local day starting at `day`. */
function intervalsOf(day: DateTime, calendar: BusinessCalendar): [number, number][] {
  if (!calendar.working_days.includes(WEEKDAYS[day.weekday - 1])) return [];
  if (calendar.holidays.includes(day.toISODate() as string)) return [];
  return calendar.working_hours
    .map(({ start, end }) => [at(day, minutesOfDay(start) as number), at(day, minutesOfDay(end) as number)])
    .sort((a, b) => a[0] - b[0]) as [number, number][];
}

/** The instant of a local wall-clock time on `day`; a time skipped by DST moves forward (luxon). */
function at(day: DateTime, minutes: number): number {
  if (minutes === 1440) return day.plus({ days: 1 }).startOf('day').toMillis();
  return day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 }).toMillis();
}

function localDay(instant: number, zone: string): DateTime {
  return DateTime.fromMillis(instant, { zone }).startOf('day');
}

/**
 * The instant `minutes` of working time after `start`. Zero minutes is `start` itself. Past the
 * walk's horizon (no working time for ten years) the result is the horizon.
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessCalendar | null): Date {
  if (!calendar) return new Date(start.getTime() + minutes * MINUTE_MS);
  let left = minutes * MINUTE_MS;
  let day = localDay(start.getTime(), calendar.time_zone);
  if (left <= 0) return start;
  for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 }).startOf('day')) {
    for (const [from, to] of intervalsOf(day, calendar)) {
      const begin = Math.max(from, start.getTime());
      if (begin >= to) continue;
      if (to - begin >= left) return new Date(begin + left);
      left -= to - begin;
    }
  }
  return new Date(day.toMillis());
}

/** The instant `minutes` of working time before `end` (the inverse of addBusinessMinutes). */
export function subtractBusinessMinutes(end: Date, minutes: number, calendar: BusinessCalendar | null): Date {
  if (!calendar) return new Date(end.getTime() - minutes * MINUTE_MS);
  let left = minutes * MINUTE_MS;
  let day = localDay(end.getTime(), calendar.time_zone);
  if (left <= 0) return end;
  for (let i = 0; i < MAX_DAYS; i++, day = day.minus({ days: 1 }).startOf('day')) {
    for (const [from, to] of intervalsOf(day, calendar).reverse()) {
      const finish = Math.min(to, end.getTime());
      if (finish <= from) continue;
      if (finish - from >= left) return new Date(finish - left);
      left -= finish - from;
    }
  }
  return new Date(day.toMillis());
}

/** Working minutes between two instants (0 when `to` is not after `from`). */
export function businessMinutesBetween(from: Date, to: Date, calendar: BusinessCalendar | null): number {
  if (to.getTime() <= from.getTime()) return 0;
  if (!calendar) return (to.getTime() - from.getTime()) / MINUTE_MS;
  let total = 0;
  let day = localDay(from.getTime(), calendar.time_zone);
  for (let i = 0; i < MAX_DAYS && day.toMillis() < to.getTime(); i++, day = day.plus({ days: 1 }).startOf('day')) {
    for (const [start, end] of intervalsOf(day, calendar)) {
      const a = Math.max(start, from.getTime());
      const b = Math.min(end, to.getTime());
      if (b > a) total += b - a;
    }
  }
  return total / MINUTE_MS;
}
