import { describe, expect, it } from 'vitest';
import { IdentifierSet } from '#domain/identifier-set.ts';

describe('IdentifierSet', () => {
  it('answers like a Set<string> over many identifiers, through growth and rehashing', () => {
    // Arrange
    const set = new IdentifierSet();
    const reference = new Set<string>();
    // Act + Assert
    for (let i = 0; i < 200_000; i += 1) {
      const id = `user-${(i * 7919) % 150_000}@example.com`;
      expect(set.add(id)).toBe(!reference.has(id));
      reference.add(id);
    }
    expect(set.size).toBe(reference.size);
  });

  it('tells apart identifiers that differ only in length, case or non-ASCII characters', () => {
    const set = new IdentifierSet();
    for (const id of ['a', 'aa', 'A', 'é', 'e\u0301', '日本', '日本語', '', 'x'.repeat(5000), 'x'.repeat(4999)]) expect(set.add(id)).toBe(true);
    expect(set.add('日本')).toBe(false);
    expect(set.add('x'.repeat(5000))).toBe(false);
  });
});
