import {
  addBusinessMinutes,
  type BusinessCalendar,
  businessMinutesBetween,
  isKnownTimeZone,
  minutesOfDay,
  subtractBusinessMinutes,
} from './business-calendar';

const weekdays = (time_zone: string, holidays: string[] = []): BusinessCalendar => ({
  time_zone,
  working_days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  working_hours: [{ start: '09:00', end: '17:00' }],
  holidays,
});
const HOUR = 60;
const iso = (d: Date) => d.toISOString();

describe('business calendar arithmetic (SPEC §14)', () => {
  const berlin = weekdays('Europe/Berlin');

  it('makes a 4-hour SLA requested Friday 16:00 in Berlin due Monday 12:00', () => {
    // 2026-11-27 is a Friday; Berlin is UTC+1 in November.
    const due = addBusinessMinutes(new Date('2026-11-27T15:00:00Z'), 4 * HOUR, berlin);
    expect(iso(due)).toBe('2026-11-30T11:00:00.000Z');
  });

  it('starts a request made before opening at opening, and one made at night the next morning', () => {
    expect(iso(addBusinessMinutes(new Date('2026-11-30T05:00:00Z'), 60, berlin))).toBe('2026-11-30T09:00:00.000Z');
    expect(iso(addBusinessMinutes(new Date('2026-11-30T20:00:00Z'), 60, berlin))).toBe('2026-12-01T09:00:00.000Z');
  });

  it('ends exactly at closing time rather than at the next opening', () => {
    expect(iso(addBusinessMinutes(new Date('2026-11-30T15:00:00Z'), 60, berlin))).toBe('2026-11-30T16:00:00.000Z');
  });

  it('skips holidays (local dates)', () => {
    const christmas = weekdays('Europe/Berlin', ['2026-12-24', '2026-12-25']);
    // Wednesday 23 Dec 16:00 + 4 h: 1 h on Wednesday, Thursday and Friday are holidays, 3 h on Monday 28th.
    const due = addBusinessMinutes(new Date('2026-12-23T15:00:00Z'), 4 * HOUR, christmas);
    expect(iso(due)).toBe('2026-12-28T11:00:00.000Z');
  });

  it('keeps local working hours across the spring DST change (Berlin, 29 March 2026)', () => {
    // Friday 27 March 16:00 CET (UTC+1) + 4 h → Monday 30 March 12:00 CEST (UTC+2).
    const due = addBusinessMinutes(new Date('2026-03-27T15:00:00Z'), 4 * HOUR, berlin);
    expect(iso(due)).toBe('2026-03-30T10:00:00.000Z');
  });

  it('keeps local working hours across the autumn DST change (New York, 1 November 2026)', () => {
    const newYork = weekdays('America/New_York');
    // Friday 30 October 16:00 EDT (UTC-4) + 4 h → Monday 2 November 12:00 EST (UTC-5).
    const due = addBusinessMinutes(new Date('2026-10-30T20:00:00Z'), 4 * HOUR, newYork);
    expect(iso(due)).toBe('2026-11-02T17:00:00.000Z');
  });

  it('counts the real length of a working day that contains the DST change', () => {
    const allDay: BusinessCalendar = {
      time_zone: 'Europe/Berlin',
      working_days: ['sun'],
      working_hours: [{ start: '00:00', end: '24:00' }],
      holidays: [],
    };
    // Sunday 29 March 2026 in Berlin has 23 hours.
    expect(businessMinutesBetween(new Date('2026-03-28T00:00:00Z'), new Date('2026-03-30T00:00:00Z'), allDay)).toBe(
      23 * HOUR,
    );
  });

  it('works east of UTC across the date line: Tokyo and Auckland', () => {
    const tokyo = weekdays('Asia/Tokyo');
    // Friday 27 Nov 16:00 JST (UTC+9) = 07:00Z; + 4 h → Monday 12:00 JST = 03:00Z.
    expect(iso(addBusinessMinutes(new Date('2026-11-27T07:00:00Z'), 4 * HOUR, tokyo))).toBe('2026-11-30T03:00:00.000Z');
    const auckland = weekdays('Pacific/Auckland');
    // Auckland is UTC+13 in November (DST): Monday 30 Nov 09:00 local = Sunday 29 Nov 20:00Z.
    expect(iso(addBusinessMinutes(new Date('2026-11-29T12:00:00Z'), 30, auckland))).toBe('2026-11-29T20:30:00.000Z');
  });

  it('works west of UTC: Los Angeles, where Friday evening UTC is still Friday afternoon', () => {
    const la = weekdays('America/Los_Angeles');
    // Friday 27 Nov 16:00 PST (UTC-8) = Saturday 00:00Z; + 4 h → Monday 12:00 PST = 20:00Z.
    expect(iso(addBusinessMinutes(new Date('2026-11-28T00:00:00Z'), 4 * HOUR, la))).toBe('2026-11-30T20:00:00.000Z');
  });

  it('uses several intervals a day (a lunch break)', () => {
    const split: BusinessCalendar = {
      ...berlin,
      working_hours: [
        { start: '13:00', end: '17:00' },
        { start: '09:00', end: '12:00' },
      ],
    };
    // Monday 11:00 + 2 h: 1 h before lunch, 1 h after → 14:00 local.
    expect(iso(addBusinessMinutes(new Date('2026-11-30T10:00:00Z'), 2 * HOUR, split))).toBe('2026-11-30T13:00:00.000Z');
  });

  it('subtracts as the inverse of adding, and measures what it added', () => {
    const start = new Date('2026-11-27T15:00:00Z');
    const due = addBusinessMinutes(start, 4 * HOUR, berlin);
    expect(businessMinutesBetween(start, due, berlin)).toBe(4 * HOUR);
    // 75 % of 4 h = 3 h in: 1 h before due, Monday 11:00 Berlin.
    expect(iso(subtractBusinessMinutes(due, HOUR, berlin))).toBe('2026-11-30T10:00:00.000Z');
    // 3 h before due is Monday's opening; 3.5 h crosses the weekend back to Friday 16:30.
    expect(iso(subtractBusinessMinutes(due, 3 * HOUR, berlin))).toBe('2026-11-30T08:00:00.000Z');
    expect(iso(subtractBusinessMinutes(due, 3.5 * HOUR, berlin))).toBe('2026-11-27T15:30:00.000Z');
  });

  it('moves a due time by paused business time: paused over a weekend costs nothing', () => {
    const pausedFrom = new Date('2026-11-27T16:00:00Z'); // Friday 17:00 Berlin, closing
    const resumedAt = new Date('2026-11-30T08:00:00Z'); // Monday 09:00 Berlin, opening
    expect(businessMinutesBetween(pausedFrom, resumedAt, berlin)).toBe(0);
    const pausedTwoHours = businessMinutesBetween(
      new Date('2026-11-30T08:00:00Z'),
      new Date('2026-11-30T10:00:00Z'),
      berlin,
    );
    expect(pausedTwoHours).toBe(2 * HOUR);
    const due = new Date('2026-11-30T15:00:00Z'); // Monday 16:00
    expect(iso(addBusinessMinutes(due, pausedTwoHours, berlin))).toBe('2026-12-01T09:00:00.000Z');
  });

  it('counts wall-clock time without a calendar', () => {
    const start = new Date('2026-11-27T15:00:00Z');
    expect(iso(addBusinessMinutes(start, 4 * HOUR, null))).toBe('2026-11-27T19:00:00.000Z');
    expect(iso(subtractBusinessMinutes(start, 30, null))).toBe('2026-11-27T14:30:00.000Z');
    expect(businessMinutesBetween(start, new Date('2026-11-27T16:00:00Z'), null)).toBe(60);
  });

  it('knows IANA zones and parses HH:MM', () => {
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(minutesOfDay('09:30')).toBe(570);
    expect(minutesOfDay('24:00')).toBe(1440);
    expect(minutesOfDay('24:01')).toBeUndefined();
    expect(minutesOfDay('9:00')).toBeUndefined();
  });
});
