import * as z from 'zod';
import { invalid } from '#domain/errors.ts';
import { isSafeId } from '#domain/ids.ts';

/**
 * Cursors are opaque to callers but carry only a position (sort key and id), never a
 * partition key: the org is always taken from the caller's key, so a forged cursor can
 * at most skip around in the caller's own data.
 */
const positionSchema = z.strictObject({ k: z.string().min(1).max(512) });

/** A sort key of the form `<what>#<id>`, its id safe (no `#`, no `/`). */
const endsInId = (prefix: RegExp) => (k: string) => {
  const at = k.lastIndexOf('#');
  return at > 0 && prefix.test(k.slice(0, at)) && isSafeId(k.slice(at + 1));
};

/** The sort-key shapes listings page over; a position of any other shape is refused. */
export const POSITIONS = {
  /** `2026-11-23T06:00:00.000Z#<id>`: runs, audit entries, dead letters, replays, deliveries (newest first). */
  dated: endsInId(/^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
  /** `SYNC#<syncId>`: an org's syncs. */
  sync: endsInId(/^SYNC$/),
} as const;

export function encodeCursor(position: { k: string }): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Thrown for any cursor this API could not have issued: one answer, whatever is wrong with it. */
export const forgedCursor = (details: Record<string, unknown>) => invalid('cursor is not one this API issued', details);

/**
 * The position in a cursor, which must have the shape `accepts` allows (dated by default).
 * Anything else (not base64url, not JSON, extra fields such as a partition key, a sort key
 * of another shape) is a 400, never a DynamoDB error.
 */
export function decodeCursor(cursor: string, accepts: (k: string) => boolean = POSITIONS.dated): { k: string } {
  let position: { k: string } | undefined;
  if (/^[A-Za-z0-9_-]+$/.test(cursor)) {
    try {
      position = positionSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    } catch {
      position = undefined;
    }
  }
  if (!position || !accepts(position.k)) throw forgedCursor({ cursor });
  return position;
}

/**
 * DynamoDB refuses a start key outside the query's key condition (a cursor from a listing
 * with other bounds): that is the caller's cursor at fault, so a 400 rather than a 500.
 */
export function isStartKeyRefusal(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /start(ing)? key/i.test(error.message);
}
