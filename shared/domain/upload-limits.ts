/** Records (non-blank lines) one upload may hold. */
export const MAX_LINES_PER_UPLOAD = 2_000_000;
/** One NDJSON line (one record) may be at most this long, in bytes. */
export const MAX_LINE_BYTES = 1024 * 1024;
