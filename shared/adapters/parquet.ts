import { parquetWriteBuffer } from 'hyparquet-writer';
import { TRACKING_COLUMNS, type TrackingRow } from '#domain/tracking-row.ts';

/**
 * Encodes a batch's rows as one parquet file with the tracking schema, columns in
 * contract order. Same rows in, same bytes out: a retried batch rewrites an identical file.
 */
/** A table of nullable string columns, in the given order (the fact tables). */
export function encodeStringTable(columns: readonly string[], rows: ReadonlyArray<Record<string, string | null>>): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: columns.map((name) => ({ name, type: 'STRING' as const, data: rows.map((row) => row[name] ?? null) })),
    createdBy: 'synctrail',
  });
  return new Uint8Array(buffer);
}

export function encodeTrackingRows(rows: TrackingRow[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: TRACKING_COLUMNS.map((column) => ({
      name: column.name,
      type: column.type,
      data: rows.map((row) => row[column.name]) as never,
    })),
    createdBy: 'synctrail',
    // One row group per batch (batches are at most 100k records): lookups prune by group.
    rowGroupSize: 100_000,
  });
  return new Uint8Array(buffer);
}
