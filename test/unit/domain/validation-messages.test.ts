import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { batchRecordSchema } from '#domain/batch.ts';
import { describeIssue, requiredWhenMissing } from '#domain/validation-messages.ts';

const schema = z.strictObject({
  startedAt: z.string(),
  kind: z.enum(['a', 'b']),
  either: z.union([z.string(), z.number()]),
  nested: z.object({ count: z.number() }),
  named: z.string({ error: 'named is the sync name' }),
  short: z.string().min(2),
  optional: z.string().optional(),
});

const messages = (value: unknown) => {
  const result = schema.safeParse(value, { error: requiredWhenMissing });
  return result.success ? [] : result.error.issues.map((issue) => describeIssue(issue));
};

describe('validation messages', () => {
  it('says "required", with the path, for every kind of field left out', () => {
    expect(messages({ nested: {}, short: 'ok', named: 'x' })).toEqual(['startedAt: required', 'kind: required', 'either: required', 'nested.count: required']);
  });

  it("keeps zod's message for a value that is there but wrong, and a schema's own message always", () => {
    expect(messages({ startedAt: 1, kind: 'c', either: true, nested: { count: 'x' }, short: 'x' })).toEqual([
      'startedAt: Invalid input: expected string, received number',
      'kind: Invalid option: expected one of "a"|"b"',
      'either: Invalid input',
      'nested.count: Invalid input: expected number, received string',
      'named: named is the sync name',
      'short: Too small: expected string to have >=2 characters',
    ]);
  });

  it('names the root when the issue has no path', () => {
    const result = batchRecordSchema.safeParse('not an object', { error: requiredWhenMissing });
    expect(result.success).toBe(false);
    expect(describeIssue(result.error!.issues[0]!, 'record')).toBe('record: Invalid input: expected object, received string');
  });

  it('reads a record without a status as "status: required"', () => {
    const result = batchRecordSchema.safeParse({ identifier: 'a' }, { error: requiredWhenMissing });
    expect(result.error!.issues.map((issue) => describeIssue(issue))).toEqual(['status: required']);
  });
});
