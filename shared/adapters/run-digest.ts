import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData, type RowGroup } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { RUN_DIGEST_ROW_GROUP_ROWS } from '#domain/run-digest.ts';
import type { RunDigestReader } from '#domain/ports.ts';
import { DECOMPRESSORS } from './parquet.ts';

/**
 * A run's digest as parquet (shared/domain/run-digest.ts): identifiers already sorted, snappy
 * (hyparquet reads it without a codec of its own), whole min/max statistics on `identifier` (a
 * cursor skips the row groups before it by them), none on the hashes.
 */
export function encodeRunDigest(identifiers: readonly string[], payloadHashes: BigInt64Array): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'identifier', type: 'STRING', data: identifiers as string[], nullable: false, offsetIndex: false },
      { name: 'payload_hash', type: 'INT64', data: payloadHashes, nullable: false, statistics: false, offsetIndex: false },
    ],
    rowGroupSize: RUN_DIGEST_ROW_GROUP_ROWS,
    codec: 'SNAPPY',
    statisticsTruncateLength: Infinity,
    createdBy: 'synctrail',
  });
  return new Uint8Array(buffer);
}

/** The byte span of a row group's column chunks: from the identifier's (first) to the end of payload_hash's (last). */
function spanOf(group: RowGroup): { start: number; end: number } {
  const [first, last] = [group.columns[0]!.meta_data!, group.columns.at(-1)!.meta_data!];
  return { start: Number(first.dictionary_page_offset ?? first.data_page_offset), end: Number(last.dictionary_page_offset ?? last.data_page_offset) + Number(last.total_compressed_size) };
}

/** A file that can fetch a span ahead (one read per row group instead of one per column). */
interface Prefetching extends AsyncBuffer {
  prefetch?(start: number, end: number): Promise<void>;
}

/** A digest opened from its bytes (ranged or whole): its footer is read now, row groups on demand. */
export async function openDigest(file: Prefetching): Promise<RunDigestReader> {
  const metadata: FileMetaData = await parquetMetadataAsync(file);
  const starts: number[] = [];
  let rows = 0;
  const rowGroups = metadata.row_groups.map((group) => {
    starts.push(rows);
    rows += Number(group.num_rows);
    const stats = group.columns[0]?.meta_data?.statistics;
    const max = stats?.max_value ?? stats?.max;
    return { rows: Number(group.num_rows), ...(typeof max === 'string' ? { maxIdentifier: max } : {}) };
  });
  return {
    rowGroups,
    async readRowGroup(index) {
      const group = metadata.row_groups[index]!;
      const span = spanOf(group);
      if (file.prefetch && span.start < span.end) await file.prefetch(span.start, span.end);
      const start = starts[index]!;
      const entries = (await parquetReadObjects({
        file,
        metadata,
        rowStart: start,
        rowEnd: start + Number(group.num_rows),
        columns: ['identifier', 'payload_hash'],
        compressors: DECOMPRESSORS,
      })) as Array<{ identifier: string; payload_hash: bigint }>;
      const identifiers = new Array<string>(entries.length);
      const hashes = new Array<bigint>(entries.length);
      for (let i = 0; i < entries.length; i++) {
        identifiers[i] = entries[i]!.identifier;
        hashes[i] = BigInt(entries[i]!.payload_hash);
      }
      return { identifiers, hashes };
    },
  };
}
