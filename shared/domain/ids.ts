import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Ids become S3 key segments (`sync_tracking_datasets/ORG/SYNC/RUN/`), so the pattern
 * leaves no way out of a prefix: no slash, no leading dot, and nothing made only of dots.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const isSafeId = (value: string): boolean => ID_PATTERN.test(value) && !/^\.+$/.test(value) && !value.includes('..');

export const idSchema = z
  .string()
  .refine(isSafeId, { message: 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ and contain no ".."' });

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A time-ordered id (48-bit millisecond time, then 80 random bits, Crockford base32),
 * so generated run ids sort by creation like the runs themselves.
 */
export function newId(prefix: string, now: Date = new Date()): string {
  let time = now.getTime();
  let head = '';
  for (let i = 0; i < 10; i += 1) {
    head = CROCKFORD[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const random = randomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i += 1) tail += CROCKFORD[random[i]! % 32];
  return `${prefix}_${head}${tail}`;
}
