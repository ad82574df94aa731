import { parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { identifierHash, identifierHashParts, IDENTIFIER_INDEX_ROW_GROUP_ROWS } from '#domain/identifier-index.ts';
import { DECOMPRESSORS } from './parquet.ts';

/**
 * Collects (identifier_hash, row_number) while a batch file's rows go by, then writes the
 * identifier index (shared/domain/identifier-index.ts): sorted by hash then row, so the same
 * rows give the same bytes. A million entries are three typed arrays (12 MB), not objects.
 */
export class IdentifierIndexBuilder {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private rows = new Int32Array(1024);
  private count = 0;
  private ascending = true;

  get size(): number {
    return this.count;
  }

  /** Indexes one row of the batch file; a null identifier is not indexed. */
  add(identifier: string | null | undefined, rowNumber: number): void {
    if (identifier === null || identifier === undefined) return;
    if (this.count === this.rows.length) this.grow();
    const { hi, lo } = identifierHashParts(identifier);
    const i = this.count++;
    this.hi[i] = hi;
    this.lo[i] = lo;
    if (i > 0 && rowNumber < this.rows[i - 1]!) this.ascending = false;
    this.rows[i] = rowNumber;
  }

  private grow(): void {
    const grown = (old: Uint32Array) => {
      const next = new Uint32Array(old.length * 2);
      next.set(old);
      return next;
    };
    this.hi = grown(this.hi);
    this.lo = grown(this.lo);
    const rows = new Int32Array(this.rows.length * 2);
    rows.set(this.rows);
    this.rows = rows;
  }

  /** The entries' order: by hash, then row number. */
  private order(): Uint32Array {
    const n = this.count;
    let order: Uint32Array = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    // Row numbers come in ascending (the writers push rows in order); sort them first if not,
    // so that the stable radix passes below leave equal hashes in row order.
    if (!this.ascending) order.sort((a, b) => this.rows[a]! - this.rows[b]!);
    // LSD radix sort on four 16-bit digits (lo's low half first): stable, linear.
    let spare: Uint32Array = new Uint32Array(n);
    const counts = new Uint32Array(65536);
    for (const [source, shift] of [
      [this.lo, 0],
      [this.lo, 16],
      [this.hi, 0],
      [this.hi, 16],
    ] as const) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(source[order[i]!]! >>> shift) & 0xffff]!++;
      let sum = 0;
      for (let d = 0; d < 65536; d++) {
        const c = counts[d]!;
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const entry = order[i]!;
        spare[counts[(source[entry]! >>> shift) & 0xffff]!++] = entry;
      }
      [order, spare] = [spare, order];
    }
    return order;
  }

  /** The index file's bytes. */
  encode(): Uint8Array {
    const order = this.order();
    const n = this.count;
    const hashes = new BigInt64Array(n);
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const entry = order[i]!;
      hashes[i] = (BigInt(this.hi[entry]!) << 32n) | BigInt(this.lo[entry]!);
      rows[i] = this.rows[entry]!;
    }
    return encodeIdentifierIndex(hashes, rows);
  }
}

/**
 * Sorted entries as the index file. Hashes sorted ascending pack well as deltas, row numbers
 * (below 2^21 for a million rows) too; the bits left are random, so no codec. Statistics (the
 * row groups' min/max) on the hash only: they are what a lookup picks its row group by.
 */
export function encodeIdentifierIndex(hashes: BigInt64Array, rows: Int32Array): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'identifier_hash', type: 'INT64', data: hashes, nullable: false, encoding: 'DELTA_BINARY_PACKED', offsetIndex: false },
      { name: 'row_number', type: 'INT32', data: rows, nullable: false, encoding: 'DELTA_BINARY_PACKED', statistics: false, offsetIndex: false },
    ],
    rowGroupSize: IDENTIFIER_INDEX_ROW_GROUP_ROWS,
    codec: 'UNCOMPRESSED',
    createdBy: 'synctrail',
  });
  return new Uint8Array(buffer);
}

/** An index builder over a batch's rows, in one go. */
export function buildIdentifierIndex(rows: ReadonlyArray<{ identifier: string | null; row_number: number }>): Uint8Array {
  const builder = new IdentifierIndexBuilder();
  for (const row of rows) builder.add(row.identifier, row.row_number);
  return builder.encode();
}

/** An opened index: its bytes by ranges, and its footer. */
export interface OpenedIndex {
  file: AsyncBuffer;
  metadata: FileMetaData;
}

/**
 * The row numbers an index holds for an identifier's hash, ascending: the row groups whose
 * min/max statistics contain the hash are read, nothing else. (The rows' identifiers must
 * still be compared: another identifier can share the hash.)
 */
export async function indexedRowNumbers(index: OpenedIndex, identifier: string): Promise<number[]> {
  const hash = identifierHash(identifier);
  const found: number[] = [];
  let groupStart = 0;
  for (const group of index.metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    const start = groupStart;
    groupStart += groupRows;
    const stats = group.columns[0]?.meta_data?.statistics;
    const min = toBigInt(stats?.min_value ?? stats?.min);
    const max = toBigInt(stats?.max_value ?? stats?.max);
    if (min !== undefined && hash < min) break; // sorted: no later group holds it
    if (max !== undefined && hash > max) continue;
    const entries = (await parquetReadObjects({
      file: index.file,
      metadata: index.metadata,
      rowStart: start,
      rowEnd: start + groupRows,
      columns: ['identifier_hash', 'row_number'],
      compressors: DECOMPRESSORS,
    })) as Array<{ identifier_hash: bigint; row_number: number }>;
    for (const entry of entries) if (BigInt(entry.identifier_hash) === hash) found.push(Number(entry.row_number));
  }
  return found.sort((a, b) => a - b);
}

function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  return undefined;
}
