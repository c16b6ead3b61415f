import { ValidateBy, type ValidationOptions } from 'class-validator';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 timestamp with a zone, checked field by field — Date would roll 2026-02-30 over to
 * March and cannot hold a leap second, and an instant must never be silently moved — within the
 * years RFC 3339 and PostgreSQL hold (0001–9999; an offset can carry 0001-01-01 or 9999-12-31
 * outside them). Undefined for anything else.
 */
export function parseRfc3339(text: string): Date | undefined {
  const match = RFC3339.exec(text);
  if (!match || !isCalendarValid(match)) return undefined;
  const date = new Date(match[0]);
  return isStorableInstant(date.getTime()) ? date : undefined;
}

const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** A time in milliseconds within 0001–9999, the years the API writes and PostgreSQL reads back. */
export function isStorableInstant(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isSafeInteger(ms) && ms >= EARLIEST && ms <= LATEST;
}

/** `ms`, or the last storable instant if it is later (a deadline far in the future). */
export function clampToStorable(ms: number): Date {
  return new Date(Math.min(ms, LATEST));
}

function isCalendarValid(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [offsetHour, offsetMinute] = [match[9] ?? '0', match[10] ?? '0'].map(Number);
  const dateOk = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
  return dateOk && hour <= 23 && minute <= 59 && second <= 59 && offsetHour <= 23 && offsetMinute <= 59;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** class-validator: a string parseRfc3339 accepts. */
export function IsRfc3339(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339',
      validator: { validate: (value) => typeof value === 'string' && parseRfc3339(value) !== undefined },
    },
    options,
  );
}
