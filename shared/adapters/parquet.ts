import { gunzipSync, gzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { fileWriter, ParquetWriter, parquetWriteBuffer, schemaFromColumnData } from 'hyparquet-writer';
import { TRACKING_COLUMNS, type TrackingRow } from '#domain/tracking-row.ts';
import { fieldTypesOf, publishedSchema, type FieldTypes } from '#domain/payload.ts';
import type { FileMetaData, SchemaElement } from 'hyparquet';

/**
 * Rows per row group in every tracking file. A row group is the unit a lookup skips (by its
 * identifier bloom filter) and the unit a streaming conversion holds in memory.
 */
export const ROW_GROUP_ROWS = 10_000;
/**
 * Small pages: reading one record (an identifier lookup) decompresses one page per column,
 * found through the offset index, instead of a megabyte of payloads.
 */
export const PAGE_BYTES = 64 * 1024;

/**
 * Per-column settings, chosen by measurement (docs/performance.md). Identifiers and payloads
 * are (nearly) all distinct: a dictionary never pays off and min/max statistics prune
 * nothing, so both are plain. Exact identifier lookups skip every row group whose bloom
 * filter says "not here".
 */
const COLUMN_OPTIONS: Partial<Record<keyof TrackingRow, object>> = {
  identifier: { bloomFilter: true, encoding: 'PLAIN', statistics: false },
  record_payload: { encoding: 'PLAIN', statistics: false },
};

/**
 * The tracking files' schema. Timestamps are INT64 milliseconds with the
 * `TIMESTAMP(isAdjustedToUTC=true, MILLIS)` logical type beside the legacy TIMESTAMP_MILLIS
 * annotation: with the legacy one alone DuckDB reads a naive local TIMESTAMP while Arrow
 * reads UTC; with the logical type DuckDB reads TIMESTAMPTZ, Arrow `Timestamp(ms, "UTC")`,
 * and Athena (Glue type `timestamp`) the same instant.
 */
export const TRACKING_SCHEMA: SchemaElement[] = schemaFromColumnData({
  columnData: TRACKING_COLUMNS.map((column) => ({ name: column.name, type: column.type, data: [] as never })),
}).map((element) =>
  element.converted_type === 'TIMESTAMP_MILLIS' ? { ...element, logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } } : element,
);

/** Column data of a set of rows in contract order (their types are in `TRACKING_SCHEMA`). */
function trackingColumns(rows: TrackingRow[]) {
  return TRACKING_COLUMNS.map((column) => ({
    name: column.name,
    data: rows.map((row) => row[column.name]) as never,
    ...COLUMN_OPTIONS[column.name],
  }));
}

/**
 * GZIP through node:zlib: as fast as the JS snappy and 40 % smaller. ZSTD would be smaller
 * still, but Node 20 has no zstd; one codec on every platform keeps retried batches
 * byte-identical wherever they are written.
 */
export const CODEC = 'GZIP' as const;
export const COMPRESSORS = { GZIP: (input: Uint8Array) => gzipSync(input, { level: 6 }) };
/**
 * What the readers (hyparquet) need to read batch files back: GZIP (ours), and ZSTD (what DuckDB
 * writes) through fzstd, pure JS and ~8 KB in a bundle; snappy and uncompressed pages hyparquet reads itself.
 */
export const DECOMPRESSORS = {
  GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)),
  ZSTD: (input: Uint8Array, outputLength: number) => zstdDecompress(input, new Uint8Array(outputLength)),
};

const WRITER_OPTIONS = { createdBy: 'synctrail', codec: CODEC, compressors: COMPRESSORS } as const;

/** The footer key under which a batch file keeps its payload schema (field → JSON type). */
export const PAYLOAD_SCHEMA_KEY = 'synctrail.record_payload_schema';

/** Footer key-value metadata: the payload schema as `metadata.json` has it, fields sorted, so equal schemas give equal bytes. */
function footerMetadata(payloadSchema: FieldTypes) {
  return [{ key: PAYLOAD_SCHEMA_KEY, value: JSON.stringify(publishedSchema(payloadSchema)) }];
}

/** The payload schema in a file's footer (empty for files written before it was kept there). */
export function payloadSchemaOf(metadata: FileMetaData): FieldTypes {
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === PAYLOAD_SCHEMA_KEY);
  return entry?.value ? fieldTypesOf(JSON.parse(entry.value)) : {};
}

/**
 * Encodes a batch's rows as one parquet file with the tracking schema, columns in
 * contract order, the payload schema in the footer. Same rows in, same bytes out.
 */
export function encodeTrackingRows(rows: TrackingRow[], payloadSchema: FieldTypes = {}): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: trackingColumns(rows),
    schema: TRACKING_SCHEMA,
    rowGroupSize: ROW_GROUP_ROWS,
    pageSize: PAGE_BYTES,
    kvMetadata: footerMetadata(payloadSchema),
    ...WRITER_OPTIONS,
  });
  return new Uint8Array(buffer);
}

/**
 * The same file written to disk a row group at a time, so a million-record upload never
 * holds more than one row group of rows in memory. Produces the same bytes as
 * `encodeTrackingRows` for the same rows.
 */
export class TrackingParquetFile {
  private readonly writer: ParquetWriter;
  private rows: TrackingRow[] = [];

  constructor(path: string) {
    this.writer = new ParquetWriter({ writer: fileWriter(path), schema: TRACKING_SCHEMA, ...WRITER_OPTIONS });
  }

  async push(row: TrackingRow): Promise<void> {
    this.rows.push(row);
    if (this.rows.length >= ROW_GROUP_ROWS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    await this.writer.write({ columnData: trackingColumns(rows), rowGroupSize: rows.length, pageSize: PAGE_BYTES });
  }

  async finish(payloadSchema: FieldTypes = {}): Promise<void> {
    await this.flush();
    // The schema is known only once every row was read: the footer is written last.
    this.writer.kvMetadata = footerMetadata(payloadSchema);
    this.writer.finish();
  }
}

/** A table of nullable string columns, in the given order (the fact tables). */
export function encodeStringTable(columns: readonly string[], rows: ReadonlyArray<Record<string, string | null>>): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: columns.map((name) => ({ name, type: 'STRING' as const, data: rows.map((row) => row[name] ?? null) })),
    ...WRITER_OPTIONS,
  });
  return new Uint8Array(buffer);
}
