import * as crypto from 'node:crypto';

/**
 * The identifier index of a batch file: which rows of `sync_tracking_datasets/ORG/SYNC/RUN/T.N.parquet`
 * hold an identifier, kept beside it as `identifier-index/ORG/SYNC/RUN/T.N.parquet` (a top-level
 * prefix of its own, so no `sync_tracking_datasets/**` glob, Athena table or manifest ever
 * reads it). The index is a parquet file of two columns, `identifier_hash INT64` and
 * `row_number INT32`, one row per row of the batch file whose identifier is not null, sorted by
 * (identifier_hash, row_number), in row groups of `IDENTIFIER_INDEX_ROW_GROUP_ROWS` with
 * min/max statistics on `identifier_hash`: a lookup reads the footer, the one row group whose
 * range holds the hash, then only those rows of the batch file (and keeps those whose identifier
 * is exactly equal: two identifiers can share a hash).
 *
 * Writers: the JS writers (shared/adapters/identifier-index.ts) and DuckDB:
 *
 * ```sql
 * COPY (SELECT ${IDENTIFIER_HASH_SQL('identifier')} AS identifier_hash, row_number
 *       FROM batch WHERE identifier IS NOT NULL ORDER BY 1, 2)
 *   TO 'index.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${IDENTIFIER_INDEX_ROW_GROUP_ROWS})
 * ```
 */
export const IDENTIFIER_INDEX_PREFIX = 'identifier-index/';

/** Rows per row group of an index: a hit reads one (~48 KiB of hashes and row numbers before compression). */
export const IDENTIFIER_INDEX_ROW_GROUP_ROWS = 4096;

/** The index's column names, in file order. */
export const IDENTIFIER_INDEX_COLUMNS = ['identifier_hash', 'row_number'] as const;

const BATCH_FILE = /^sync_tracking_datasets\/([^/]+\/[^/]+\/[^/]+\/[^/]+\.parquet)$/;

/** `sync_tracking_datasets/ORG/SYNC/RUN/T.N.parquet` → `identifier-index/ORG/SYNC/RUN/T.N.parquet`; undefined for any other key. */
export function identifierIndexKeyOf(fileKey: string): string | undefined {
  const match = BATCH_FILE.exec(fileKey);
  return match ? `${IDENTIFIER_INDEX_PREFIX}${match[1]}` : undefined;
}

/** `sync_tracking_datasets/ORG/SYNC/RUN/T.N.parquet` → `identifier-index/ORG/SYNC/RUN/T.N.parquet`. */
export function identifierIndexKey(fileKey: string): string {
  const key = identifierIndexKeyOf(fileKey);
  if (!key) throw new Error(`not a batch file key: ${fileKey}`);
  return key;
}

/** `crypto.hash` (Node ≥ 20.12) is a one-shot digest, several times cheaper than `createHash` per identifier. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;
const md5 = oneShot ? (text: string) => oneShot('md5', text, 'buffer') : (text: string) => crypto.createHash('md5').update(text, 'utf8').digest();

/**
 * The identifier's hash as two unsigned 32-bit halves (`hi` < 2^31): the first 8 bytes of
 * md5(UTF-8 identifier) read as a big-endian unsigned 64-bit integer, shifted right by one
 * (so it is a non-negative signed INT64). No BigInt: a conversion hashes a million of these.
 */
export function identifierHashParts(identifier: string): { hi: number; lo: number } {
  const digest = md5(identifier);
  const hi = digest.readUInt32BE(0);
  const lo = digest.readUInt32BE(4);
  return { hi: hi >>> 1, lo: ((lo >>> 1) | ((hi & 1) << 31)) >>> 0 };
}

/** The identifier's `identifier_hash`, as the index stores it. */
export function identifierHash(identifier: string): bigint {
  const { hi, lo } = identifierHashParts(identifier);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * The same `identifier_hash` as a DuckDB (1.5) expression over a VARCHAR column or expression:
 * `md5` is the hex digest, its first 16 hex digits the first 8 bytes big-endian (DuckDB's
 * `md5_number_upper` reads those bytes little-endian: not the same number).
 */
export const IDENTIFIER_HASH_SQL = (column: string) => `CAST(CAST('0x' || left(md5(${column}), 16) AS UBIGINT) >> 1 AS BIGINT)`;
