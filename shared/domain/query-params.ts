import * as z from 'zod';

const isoDate = z.iso.datetime({ offset: true });
const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `2026-02-28` is one, `2026-02-30`, `2026-13-45` and `2025-02-29` are not. */
export function isCalendarDate(value: string): boolean {
  if (!BARE_DATE.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00.000Z`);
  // Some engines roll Feb 30 over into March rather than refuse it: the date must come back unchanged.
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}

/** A timestamp in UTC, or undefined when it is none or falls outside years 0000-9999 once in UTC. */
function utcTimestamp(value: string): string | undefined {
  if (!isoDate.safeParse(value).success) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return undefined;
  const iso = new Date(time).toISOString();
  // `9999-12-31T23:59:59-23:59` is year 10000 in UTC: `+010000-…`, which sorts before every date.
  return BARE_DATE.test(iso.slice(0, 10)) ? iso : undefined;
}

/**
 * `2026-11-20` or a full ISO timestamp; a bare date means the whole day (UTC). Dates no
 * calendar has (month 13, Feb 30) are refused, and the answer is always a UTC timestamp of
 * the form `YYYY-MM-DDTHH:mm:ss.sssZ`, so it compares as text with stored timestamps.
 */
export const dateBound = (edge: 'start' | 'end') =>
  z.string().transform((v, ctx) => {
    if (BARE_DATE.test(v)) {
      if (isCalendarDate(v)) return edge === 'start' ? `${v}T00:00:00.000Z` : `${v}T23:59:59.999Z`;
      ctx.issues.push({ code: 'custom', input: v, message: `${v} is not a calendar date (month 01-12, a day the month has)` });
      return z.NEVER;
    }
    const timestamp = utcTimestamp(v);
    if (timestamp) return timestamp;
    ctx.issues.push({ code: 'custom', input: v, message: 'must be a date (YYYY-MM-DD) or an ISO-8601 timestamp with a time zone, within years 0000-9999 in UTC' });
    return z.NEVER;
  });

/** The API's lists take `limit`, default 100, at most 1000. */
export const limitSchema = z.coerce.number().int().min(1).max(1000).default(100);

/** Opaque: each listing decodes its own and refuses one it did not issue ("cursor is not one this API issued"). */
export const cursorSchema = z.string().max(2048).optional();

export const fromBeforeTo = (q: { from?: string | undefined; to?: string | undefined }) => !q.from || !q.to || q.from <= q.to;
