import { fileWriter, ParquetWriter, parquetWriteBuffer, schemaFromColumnData } from 'hyparquet-writer';
import { TRACKING_COLUMNS, type TrackingRow } from '#domain/tracking-row.ts';

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

/** Column data of a set of rows in contract order; `identifier` carries a bloom filter. */
function trackingColumns(rows: TrackingRow[]) {
  return TRACKING_COLUMNS.map((column) => ({
    name: column.name,
    type: column.type,
    data: rows.map((row) => row[column.name]) as never,
    // Exact identifier lookups skip every row group whose filter says "not here".
    ...(column.name === 'identifier' ? { bloomFilter: true } : {}),
  }));
}

const WRITER_OPTIONS = { createdBy: 'synctrail' } as const;

/**
 * Encodes a batch's rows as one parquet file with the tracking schema, columns in
 * contract order. Same rows in, same bytes out: a retried batch rewrites an identical file.
 */
export function encodeTrackingRows(rows: TrackingRow[]): Uint8Array {
  const buffer = parquetWriteBuffer({ columnData: trackingColumns(rows), rowGroupSize: ROW_GROUP_ROWS, pageSize: PAGE_BYTES, ...WRITER_OPTIONS });
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
    this.writer = new ParquetWriter({ writer: fileWriter(path), schema: schemaFromColumnData({ columnData: trackingColumns([]) }), ...WRITER_OPTIONS });
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

  async finish(): Promise<void> {
    await this.flush();
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
