/**
 * The parquet writers (hyparquet-writer and SyncTrail's encoders on it), handed to
 * `S3TrackingFiles` by the functions that write tracking files: the ingest API, the converter,
 * the fact-table job and local mode. The query and admin APIs only read, so their bundles leave
 * this module (and hyparquet-writer's ~56 KB) out; `s3-tracking-files.ts` imports it as a type only.
 */
import { buildIdentifierIndex, IdentifierIndexBuilder } from './identifier-index.ts';
import { encodeStringTable, encodeTrackingRows, TrackingParquetFile } from './parquet.ts';
import { encodeRunDigest } from './run-digest.ts';

export const PARQUET_WRITERS = {
  encodeTrackingRows,
  encodeStringTable,
  encodeRunDigest,
  buildIdentifierIndex,
  trackingFile: (path: string) => new TrackingParquetFile(path),
  indexBuilder: () => new IdentifierIndexBuilder(),
};

export type ParquetWriters = typeof PARQUET_WRITERS;
