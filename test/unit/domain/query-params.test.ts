import { describe, expect, it } from 'vitest';
import { dateBound, isCalendarDate } from '#domain/query-params.ts';

const start = dateBound('start');
const end = dateBound('end');

describe('dateBound', () => {
  it.each([
    ['2026-11-20', '2026-11-20T00:00:00.000Z', '2026-11-20T23:59:59.999Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', '2024-02-29T23:59:59.999Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z', '2000-02-29T23:59:59.999Z'],
    ['2026-12-31', '2026-12-31T00:00:00.000Z', '2026-12-31T23:59:59.999Z'],
    ['0000-01-01', '0000-01-01T00:00:00.000Z', '0000-01-01T23:59:59.999Z'],
  ])('takes the calendar date %s as the whole day in UTC', (value, from, to) => {
    expect(start.parse(value)).toBe(from);
    expect(end.parse(value)).toBe(to);
  });

  it.each([
    ['2026-11-20T06:00:00Z', '2026-11-20T06:00:00.000Z'],
    ['2026-11-20T06:00:00.5+02:00', '2026-11-20T04:00:00.500Z'],
    ['2026-01-01T00:30:00-05:30', '2026-01-01T06:00:00.000Z'],
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000Z'],
  ])('takes the timestamp %s as it is, in UTC', (value, utc) => {
    expect(start.parse(value)).toBe(utc);
    expect(end.parse(value)).toBe(utc);
  });

  it.each(['2026-13-45', '2026-13-01', '2026-00-10', '2026-01-00', '2026-01-32', '2026-02-30', '2025-02-29', '1900-02-29', '2026-04-31', '2026-06-31', '2026-09-31', '2026-11-31'])(
    'refuses %s, which no calendar has, saying so',
    (value) => {
      for (const bound of [start, end]) {
        const result = bound.safeParse(value);
        expect(result.success).toBe(false);
        expect(result.error?.issues[0]?.message).toBe(`${value} is not a calendar date (month 01-12, a day the month has)`);
      }
    },
  );

  it.each([
    'last-week',
    '',
    '23/11/2026',
    '2026-1-5',
    '20261120',
    '2026-11-20T25:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-13-45T00:00:00Z',
    '2026-11-20T06:00:00',
    '2026-11-20T06:00:60Z',
    '2026-11-20T06:00:00+24:00',
    '2026-11-20T06:00:00+05',
    '9999-12-31T23:59:59-23:59',
    '0000-01-01T00:00:00+00:01',
  ])('refuses %s without throwing', (value) => {
    for (const bound of [start, end]) {
      const result = bound.safeParse(value);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/date|timestamp/);
    }
  });

  it('answers only strings that a second reading takes unchanged', () => {
    // Domain code parses a query's bounds again (runQuerySchema): what dateBound answers must pass.
    for (const value of ['2026-11-20', '2026-11-20T06:00:00.5+02:00', '9999-12-31']) {
      const once = end.parse(value);
      expect(end.parse(once)).toBe(once);
      expect(start.parse(once)).toBe(once);
    }
  });
});

describe('isCalendarDate', () => {
  it.each([
    ['2026-02-28', true],
    ['2024-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-1-01', false],
    ['2026-01-01T00:00:00Z', false],
  ])('%s: %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });
});
