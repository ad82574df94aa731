import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyError, ERROR_CATALOGUE } from '#domain/error-catalogue.ts';

describe('error catalogue', () => {
  it('has a section in docs/errors.md for every pattern, in the same order', () => {
    // Arrange
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    // Act
    const headings = [...doc.matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
    // Assert
    expect(headings).toEqual(ERROR_CATALOGUE.map((e) => e.key));
  });

  it.each([
    ['Invalid credentials supplied', 'authentication-failed'],
    ['token has expired', 'token-expired'],
    ['ETIMEDOUT', 'timeout'],
    ['socket hang up', 'destination-unavailable'],
    ['email cannot be blank', 'missing-required-field'],
    ['Invalid email format', 'invalid-format'],
  ])('puts connectivity before data where a message could be both: %s', (message, key) => {
    expect(classifyError(message).resolutionKey).toBe(key);
  });

  it('calls a missing or unmatched message unknown', () => {
    expect(classifyError(null)).toEqual({ category: 'unknown', resolutionKey: null, title: null });
    expect(classifyError('something odd').category).toBe('unknown');
  });
});
