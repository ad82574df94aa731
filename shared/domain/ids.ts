import { randomBytes } from 'node:crypto';
import * as z from 'zod';

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

let lastTime = -1;
let lastTail: number[] = [];

/** The next tail after `tail` in base 32, for ids made within one millisecond. */
function increment(tail: number[]): number[] {
  const next = [...tail];
  for (let i = next.length - 1; i >= 0; i -= 1) {
    if (next[i]! < 31) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  return next;
}

/**
 * A time-ordered id (48-bit millisecond time, then 80 random bits, Crockford base32), so
 * generated ids sort by creation. Within one process they are strictly increasing even in
 * the same millisecond (monotonic ULID), so an audit log made of them keeps its order.
 */
export function newId(prefix: string, now: Date = new Date()): string {
  let time = Math.max(now.getTime(), lastTime);
  const tail = time === lastTime ? increment(lastTail) : [...randomBytes(16)].map((b) => b % 32);
  lastTime = time;
  lastTail = tail;
  let head = '';
  for (let i = 0; i < 10; i += 1) {
    head = CROCKFORD[time % 32] + head;
    time = Math.floor(time / 32);
  }
  return `${prefix}_${head}${tail.map((d) => CROCKFORD[d]).join('')}`;
}
