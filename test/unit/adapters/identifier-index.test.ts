import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetMetadata, type AsyncBuffer } from 'hyparquet';
import { buildIdentifierIndex, encodeIdentifierIndex, IdentifierIndexBuilder, indexedRowNumbers } from '#adapters/identifier-index.ts';
import { identifierHash, identifierIndexKey, identifierIndexKeyOf, IDENTIFIER_HASH_SQL, IDENTIFIER_INDEX_ROW_GROUP_ROWS } from '#domain/identifier-index.ts';

const dir = mkdtempSync(join(tmpdir(), 'synctrail-index-unit-'));
let db: DuckDBConnection;
beforeAll(async () => {
  db = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
});
afterAll(() => {
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

const TRICKY = [
  'user-1@example.com',
  'a',
  ' ',
  '0',
  '1234567890',
  'café-é',
  'e\u0301', // decomposed é: other bytes, other hash
  '😀👩‍👩‍👧',
  '中文标识符',
  'x'.repeat(1024),
  'tab\there',
  "it's",
  'null',
];

const buffer = (bytes: Uint8Array): AsyncBuffer => {
  const array = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { byteLength: array.byteLength, slice: async (start, end) => array.slice(start, end) };
};
const open = (bytes: Uint8Array) => {
  const file = buffer(bytes);
  return { file, metadata: parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer) };
};

describe('identifier_hash', () => {
  it('is the first 8 bytes of md5 (big-endian, unsigned) shifted right by one', () => {
    for (const id of TRICKY) {
      const digest = createHash('md5').update(Buffer.from(id, 'utf8')).digest();
      expect(identifierHash(id)).toBe(digest.readBigUInt64BE(0) >> 1n);
      expect(identifierHash(id) >= 0n && identifierHash(id) < 2n ** 63n).toBe(true);
    }
  });

  it('equals DuckDB’s IDENTIFIER_HASH_SQL on the same identifiers', async () => {
    const values = TRICKY.map((_, i) => `($${i + 1})`).join(', ');
    const reader = await db.runAndReadAll(`SELECT id, ${IDENTIFIER_HASH_SQL('id')} AS h, typeof(${IDENTIFIER_HASH_SQL('id')}) AS t FROM (VALUES ${values}) AS v(id)`, TRICKY);
    const rows = reader.getRowObjectsJS() as Array<{ id: string; h: bigint; t: string }>;
    expect(rows).toHaveLength(TRICKY.length);
    for (const row of rows) {
      expect(row.t).toBe('BIGINT');
      expect(BigInt(row.h)).toBe(identifierHash(row.id));
    }
  });
});

describe('identifierIndexKey', () => {
  it('puts the index under identifier-index/, beside no parquet file Athena or a run glob reads', () => {
    expect(identifierIndexKey('sync_tracking_datasets/acme/s1/r1/records_updated.3.parquet')).toBe('identifier-index/acme/s1/r1/records_updated.3.parquet');
    expect(identifierIndexKeyOf('sync_tracking_datasets/acme/s1/r1/metadata.json')).toBeUndefined();
    expect(() => identifierIndexKey('uploads/x.ndjson')).toThrow(/not a batch file key/);
  });
});

describe('the index builder', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ identifier: i % 97 === 5 ? null : `user-${i}@example.com`, row_number: i }));

  it('writes (hash, row) sorted by hash then row, row groups with min/max on the hash, nulls left out', async () => {
    const rows = ids(10_000);
    rows[9_000] = { identifier: 'user-7@example.com', row_number: 9_000 }; // a DUPLICATE row
    const bytes = buildIdentifierIndex(rows);
    const path = join(dir, 'index.parquet');
    writeFileSync(path, bytes);
    const read = (await db.runAndReadAll(`SELECT identifier_hash, row_number FROM read_parquet('${path}')`)).getRowObjectsJS() as Array<{ identifier_hash: bigint; row_number: number }>;
    const expected = rows
      .filter((r) => r.identifier !== null)
      .map((r) => ({ identifier_hash: identifierHash(r.identifier!), row_number: r.row_number }))
      .sort((a, b) => (a.identifier_hash < b.identifier_hash ? -1 : a.identifier_hash > b.identifier_hash ? 1 : a.row_number - b.row_number));
    expect(read).toEqual(expected);
    const types = (await db.runAndReadAll(`SELECT name, type FROM parquet_schema('${path}') WHERE name <> 'root'`)).getRowObjectsJS();
    expect(types).toEqual([
      { name: 'identifier_hash', type: 'INT64' },
      { name: 'row_number', type: 'INT32' },
    ]);
    const metadata = open(bytes).metadata;
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([4096, 4096, expected.length - 8192]);
    expect(IDENTIFIER_INDEX_ROW_GROUP_ROWS).toBe(4096);
    const first = metadata.row_groups[0]!.columns[0]!.meta_data!.statistics!;
    expect(first.min_value).toBe(expected[0]!.identifier_hash);
    expect(first.max_value).toBe(expected[4095]!.identifier_hash);
  });

  it('gives the same bytes for the same rows, whatever order they were added in', () => {
    const rows = ids(5_000);
    const a = buildIdentifierIndex(rows);
    const b = new IdentifierIndexBuilder();
    for (const row of [...rows].reverse()) b.add(row.identifier, row.row_number);
    expect(Buffer.from(b.encode()).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(buildIdentifierIndex(rows)).equals(Buffer.from(a))).toBe(true);
  });

  it('writes a readable index for a batch without identifiers', async () => {
    const bytes = buildIdentifierIndex([{ identifier: null, row_number: 0 }]);
    expect(await indexedRowNumbers(open(bytes), 'anyone')).toEqual([]);
  });
});

describe('reading the index', () => {
  it('answers every row of a repeated identifier, in row order, reading one row group', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => ({ identifier: `user-${i}@example.com`, row_number: i }));
    rows[40_000] = { identifier: 'user-123@example.com', row_number: 40_000 };
    rows[20_000] = { identifier: 'user-123@example.com', row_number: 20_000 };
    const bytes = buildIdentifierIndex(rows);
    const { metadata } = open(bytes);
    const file = buffer(bytes);
    let read = 0;
    const counting: AsyncBuffer = { byteLength: file.byteLength, slice: (s, e) => ((read += (e ?? file.byteLength) - s), file.slice(s, e)) };
    expect(await indexedRowNumbers({ file: counting, metadata }, 'user-123@example.com')).toEqual([123, 20_000, 40_000]);
    expect(read).toBeLessThan(bytes.byteLength / 5);
    expect(await indexedRowNumbers({ file, metadata }, 'nobody@example.com')).toEqual([]);
  });

  it('finds a hash whose entries straddle two row groups', async () => {
    // 4096 + 10 entries of one hash: the second row group starts inside them.
    const h = identifierHash('same');
    const hashes = new BigInt64Array(5000);
    const rowNumbers = new Int32Array(5000);
    for (let i = 0; i < 5000; i++) {
      hashes[i] = i < 4000 ? BigInt(i) : i < 4106 ? h : h + BigInt(i);
      rowNumbers[i] = i;
    }
    const found = await indexedRowNumbers(open(encodeIdentifierIndex(hashes, rowNumbers)), 'same');
    expect(found).toEqual(Array.from({ length: 106 }, (_, i) => 4000 + i));
  });

  it('reads an index DuckDB wrote (ZSTD) with the same answers', async () => {
    const source = join(dir, 'ids.json');
    const rows = Array.from({ length: 12_000 }, (_, i) => ({ identifier: i === 11 ? null : i === 9_999 ? TRICKY[7]! : `${TRICKY[i % TRICKY.length]}-${i}`, row_number: i }));
    rows[5_000] = { identifier: TRICKY[7]!, row_number: 5_000 };
    writeFileSync(source, JSON.stringify(rows));
    const out = join(dir, 'duck-index.parquet');
    await db.run(
      `COPY (SELECT ${IDENTIFIER_HASH_SQL('identifier')} AS identifier_hash, row_number::INTEGER AS row_number FROM read_json('${source}') WHERE identifier IS NOT NULL ORDER BY 1, 2)
       TO '${out}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${IDENTIFIER_INDEX_ROW_GROUP_ROWS})`,
    );
    const bytes = new Uint8Array(readFileSync(out));
    const index = open(bytes);
    expect(index.metadata.row_groups[0]!.columns[0]!.meta_data!.codec).toBe('ZSTD');
    expect(await indexedRowNumbers(index, TRICKY[7]!)).toEqual([5_000, 9_999]);
    expect(await indexedRowNumbers(index, `${TRICKY[3]}-3`)).toEqual([3]);
    expect(await indexedRowNumbers(index, `${TRICKY[11 % TRICKY.length]}-11`)).toEqual([]);
    // Ours and DuckDB's hold the same entries.
    const ours = open(buildIdentifierIndex(rows));
    for (const id of [`${TRICKY[9]}-9`, `${TRICKY[0]}-11999`, TRICKY[7]!]) expect(await indexedRowNumbers(ours, id)).toEqual(await indexedRowNumbers(index, id));
  });
});
