import type * as z from 'zod';

/** The issue kinds zod raises for an absent value: a field of a given type, an enum, a union. */
const ABSENT_VALUE_CODES = new Set<string>(['invalid_type', 'invalid_value', 'invalid_union']);

/**
 * Passed to `safeParse` wherever input is checked: a required field left out reads `required`
 * (shown with its path, `startedAt: required`) instead of zod's "expected string, received
 * undefined". Every other issue keeps zod's message, and a message a schema sets itself wins,
 * since zod ranks a schema's own message above the parse's.
 */
export const requiredWhenMissing: z.core.$ZodErrorMap = (issue) =>
  issue.input === undefined && ABSENT_VALUE_CODES.has(issue.code ?? '') ? 'required' : undefined;

/** `path: message` of one issue, `record` standing for the root. */
export const describeIssue = (issue: { path: PropertyKey[]; message: string }, root = ''): string => {
  const path = issue.path.map(String).join('.') || root;
  return path ? `${path}: ${issue.message}` : issue.message;
};
