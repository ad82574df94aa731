/**
 * Common errors (Sync Logs): what a destination's message means and whether it is a data
 * problem (fix the record) or a connectivity problem (fix the connection; the records are
 * fine). Patterns are tried in order, first match wins; `docs/errors.md` has a section per
 * key, and a test keeps the two in step.
 */
export const ERROR_CATEGORIES = ['data', 'connectivity', 'unknown'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export interface ErrorPattern {
  key: string;
  category: Exclude<ErrorCategory, 'unknown'>;
  title: string;
  pattern: RegExp;
}

export const ERROR_CATALOGUE: readonly ErrorPattern[] = [
  { key: 'token-expired', category: 'connectivity', title: 'Access token expired', pattern: /token (has )?expired|expired (access |oauth )?token|invalid_grant|refresh token/i },
  {
    key: 'authentication-failed',
    category: 'connectivity',
    title: 'Authentication or permission failure',
    pattern: /\b401\b|\b403\b|unauthori[sz]ed|authentication failed|invalid (api key|credentials)|permission denied|forbidden|access denied|not authorized/i,
  },
  { key: 'rate-limited', category: 'connectivity', title: 'Rate limited by the destination', pattern: /\b429\b|rate.?limit|too many requests|throttl|quota (exceeded|exhausted)/i },
  { key: 'timeout', category: 'connectivity', title: 'Request timed out', pattern: /timed? ?out|timeout|etimedout|deadline exceeded/i },
  {
    key: 'destination-unavailable',
    category: 'connectivity',
    title: 'Destination unavailable',
    pattern: /\b5\d\d\b|service unavailable|internal server error|bad gateway|econnreset|econnrefused|enotfound|connection (reset|refused|closed)|network error|socket hang up/i,
  },
  { key: 'missing-identifier', category: 'data', title: 'Record has no identifier', pattern: /has no identifier|missing identifier|no identifier/i },
  { key: 'duplicate', category: 'data', title: 'Duplicate record', pattern: /duplicate|more than once|already exists/i },
  {
    key: 'missing-required-field',
    category: 'data',
    title: 'Missing required field',
    pattern: /missing required|required field|is required|cannot be (null|empty|blank)|must not be (null|empty|blank)|must be present/i,
  },
  { key: 'value-too-long', category: 'data', title: 'Value too long', pattern: /too long|exceeds (the )?max(imum)? length|max(imum)? length|string length|too many characters/i },
  {
    key: 'invalid-format',
    category: 'data',
    title: 'Invalid value or format',
    pattern: /invalid|malformed|does not match|not a valid|wrong format|bad format|unparseable|could not parse/i,
  },
  { key: 'object-not-found', category: 'data', title: 'Referenced object not found', pattern: /not found|does not exist|no such|unknown (id|object|record)/i },
];

export interface Classification {
  category: ErrorCategory;
  /** Anchor of the pattern's section in docs/errors.md, for the console's "how to fix". */
  resolutionKey: string | null;
  title: string | null;
}

export function classifyError(message: string | null | undefined): Classification {
  const match = message ? ERROR_CATALOGUE.find((entry) => entry.pattern.test(message)) : undefined;
  return match ? { category: match.category, resolutionKey: match.key, title: match.title } : { category: 'unknown', resolutionKey: null, title: null };
}
