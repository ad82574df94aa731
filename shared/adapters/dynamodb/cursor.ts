import * as z from 'zod';
import { invalid } from '#domain/errors.ts';

/**
 * Cursors are opaque to callers but carry only a position (sort key and id), never a
 * partition key: the org is always taken from the caller's key, so a forged cursor can
 * at most skip around in the caller's own data.
 */
const positionSchema = z.strictObject({ k: z.string().min(1).max(512) });

export function encodeCursor(position: { k: string }): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(cursor: string): { k: string } {
  try {
    return positionSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalid('cursor is not one this API issued', { cursor });
  }
}
