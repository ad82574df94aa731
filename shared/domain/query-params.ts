import * as z from 'zod';

const isoDate = z.iso.datetime({ offset: true });

/** `2026-11-20` or a full ISO timestamp; a bare date means the whole day (UTC). */
export const dateBound = (edge: 'start' | 'end') =>
  z
    .string()
    .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) || isoDate.safeParse(v).success, 'must be a date (YYYY-MM-DD) or an ISO-8601 timestamp')
    .transform((v) => {
      if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return edge === 'start' ? `${v}T00:00:00.000Z` : `${v}T23:59:59.999Z`;
      return new Date(v).toISOString();
    });

/** API.md: lists take `limit`, default 100, at most 1000. */
export const limitSchema = z.coerce.number().int().min(1).max(1000).default(100);

export const cursorSchema = z.string().max(2048).optional();

export const fromBeforeTo = (q: { from?: string | undefined; to?: string | undefined }) => !q.from || !q.to || q.from <= q.to;
