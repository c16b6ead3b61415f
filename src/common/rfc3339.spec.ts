import { clampToStorable, isStorableInstant, parseRfc3339 } from './rfc3339';

describe('RFC 3339 timestamps', () => {
  it.each([
    ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000Z'],
    ['2026-01-02t03:04:05.123456+05:30', '2026-01-01T21:34:05.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('parses %s', (text, iso) => {
    expect(parseRfc3339(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-W01',
    '2026-001',
    '20260101T000000Z',
    '2026-01-01T00Z',
    '2026-01-01T00:00:00',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:60Z',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+01:00',
    '9999-12-31T23:00:00-01:00',
    '+275760-09-13T00:00:00Z',
    'yesterday',
  ])('refuses %s', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it('knows the instants PostgreSQL reads back, and holds later ones at the last', () => {
    expect(isStorableInstant(0)).toBe(true);
    expect(isStorableInstant(Date.parse('0001-01-01T00:00:00Z') - 1)).toBe(false);
    expect(isStorableInstant(Date.parse('9999-12-31T23:59:59.999Z') + 1)).toBe(false);
    expect(isStorableInstant(1.5)).toBe(false);
    expect(isStorableInstant('0')).toBe(false);
    expect(clampToStorable(Date.parse('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(clampToStorable(8.64e15).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });
});
