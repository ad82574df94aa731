import { parquetWriteBuffer } from 'hyparquet-writer';
import { TRACKING_COLUMNS, type TrackingRow } from '#domain/tracking-row.ts';

/**
 * Encodes a batch's rows as one parquet file with the tracking schema, columns in
 * contract order. Same rows in, same bytes out: a retried batch rewrites an identical file.
 */
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
