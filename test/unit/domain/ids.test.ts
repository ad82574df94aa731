import { describe, expect, it } from 'vitest';
import { idSchema, isSafeId, newId } from '#domain/ids.ts';

describe('ids', () => {
  it.each(['run-1', 'a', 'A.b_c-9', 'x'.repeat(128)])('accepts %s', (id) => {
    expect(isSafeId(id)).toBe(true);
  });

  it.each(['', '..', '.', '...', 'a/b', '../x', 'a..b', '-x', '_x', '.hidden', 'x'.repeat(129), 'a b', 'a%2Fb', 'é'])(
    'refuses %s, which could escape or confuse an S3 prefix',
    (id) => {
      expect(isSafeId(id)).toBe(false);
      expect(idSchema.safeParse(id).success).toBe(false);
    },
  );

  it('generates ids that are safe and sort by time', () => {
    // Arrange
    const earlier = newId('run', new Date('2026-01-01T00:00:00Z'));
    const later = newId('run', new Date('2026-01-01T00:00:00.001Z'));
    // Assert
    expect(isSafeId(earlier)).toBe(true);
    expect(earlier < later).toBe(true);
    expect(newId('run')).not.toBe(newId('run'));
  });
});

describe('newId within one millisecond', () => {
  it('still increases strictly', () => {
    const at = new Date('2026-05-05T05:05:05Z');
    const ids = Array.from({ length: 50 }, () => newId('aud', at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
  });
});
