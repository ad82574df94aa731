import { describe, expect, it } from 'vitest';
import { bearerToken, generateKey, hashKey, parseKey } from '#domain/keys.ts';

describe('api keys', () => {
  it('generates keys whose id can be read back and whose hash is not the key', () => {
    // Act
    const { keyId, key } = generateKey();
    // Assert
    expect(parseKey(key)).toEqual({ keyId });
    expect(hashKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey(key)).not.toContain(key);
  });

  it.each(['st_short_x', 'nope', `st_${'a'.repeat(20)}_tooshort`, ''])('does not parse %s as a key', (token) => {
    expect(parseKey(token)).toBeUndefined();
  });

  it('reads a bearer token, and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
