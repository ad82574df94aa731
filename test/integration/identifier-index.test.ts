import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { createClients } from '#adapters/clients.ts';
import { S3TrackingFiles } from '#adapters/s3-tracking-files.ts';
import { PARQUET_WRITERS } from '#adapters/parquet-writers.ts';
import { encodeIdentifierIndex } from '#adapters/identifier-index.ts';
import { identifierHash, identifierIndexKey, IDENTIFIER_HASH_SQL, IDENTIFIER_INDEX_ROW_GROUP_ROWS } from '#domain/identifier-index.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { lookupRow } from '../support/fixtures.ts';

/**
 * Lookups through the identifier index, against local mode's S3 (s3rver): the index is written
 * with every batch file (inline and staged), a lookup reads it and then only the rows it names,
 * a hash shared by two identifiers answers only the exact one, and a file without an index
 * (written before indexes, or by a writer that wrote none) still answers through its bloom filters.
 */
let stack: TestStack;
let s3: S3Client;
const dir = mkdtempSync(join(tmpdir(), 'synctrail-index-it-'));
/** Every GetObject this test's client sent: key and bytes answered. */
let gets: Array<{ key: string; bytes: number }> = [];
/** Every GetObject sent, answered or not. */
let asked: string[] = [];

const KEY = (n: number) => `sync_tracking_datasets/o/s/r/records_updated.${n}.parquet`;
const row = (i: number, batchNumber = 0): TrackingRow => lookupRow(i, { identifier: i % 1000 === 999 ? null : `user-${i}@example.com`, batch_number: batchNumber });
const fresh = () => new S3TrackingFiles(s3, stack.settings.bucket, PARQUET_WRITERS);
const object = async (key: string) => {
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: stack.settings.bucket, Key: key }));
    return await answer.Body!.transformToByteArray();
  } catch {
    return undefined;
  }
};
const indexGets = () => gets.filter((g) => g.key.startsWith('identifier-index/'));

beforeAll(async () => {
  stack = await startTestStack();
  s3 = createClients(stack.settings).s3;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const result: any = await next(args);
      if (context.commandName === 'GetObjectCommand') gets.push({ key: (args.input as { Key: string }).Key, bytes: Number(result.response?.headers?.['content-length'] ?? 0) });
      return result;
    },
    { step: 'deserialize', name: 'countGets' },
  );
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') asked.push((args.input as { Key: string }).Key);
      return next(args);
    },
    { step: 'initialize', name: 'countAsked' },
  );
}, 60_000);
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  gets = [];
  asked = [];
});

describe('the identifier index', () => {
  it('is written with an inline batch file, and a lookup reads it, then only the rows it names', async () => {
    // Arrange: 100k rows (10 row groups), user-7 also at row 25,000 (a DUPLICATE) and 60,000.
    const rows = Array.from({ length: 100_000 }, (_, i) => row(i));
    rows[25_000] = { ...row(25_000), identifier: 'user-7@example.com', status: 'DUPLICATE' };
    rows[60_000] = { ...row(60_000), identifier: 'user-7@example.com', status: 'DUPLICATE' };
    const bytes = await fresh().writeRows(KEY(0), rows, {});
    const index = await object(identifierIndexKey(KEY(0)));
    expect(index).toBeDefined();
    // Act
    gets = [];
    const files = fresh();
    const found = await files.findRows(KEY(0), 'user-7@example.com', bytes);
    // Assert: every copy in row order; the index was read, and little of the batch file.
    expect(found.map((r) => [r.identifier, r.row_number, r.status])).toEqual([
      ['user-7@example.com', 7, 'succeeded'],
      ['user-7@example.com', 25_000, 'DUPLICATE'],
      ['user-7@example.com', 60_000, 'DUPLICATE'],
    ]);
    expect(indexGets().length).toBeGreaterThan(0);
    const batchBytes = gets.filter((g) => g.key === KEY(0)).reduce((sum, g) => sum + g.bytes, 0);
    expect(batchBytes / bytes).toBeLessThan(0.4);
    // Null identifiers are not indexed; a miss reads no row of the batch file.
    gets = [];
    expect(await files.findRows(KEY(0), 'nobody@example.com', bytes)).toEqual([]);
    expect(await files.findRows(KEY(0), 'user-999@example.com', bytes)).toEqual([]);
    expect(gets.filter((g) => g.key === KEY(0))).toEqual([]);
  });

  it('is rewritten byte-identical by a retried write of the same rows', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => row(i, 1));
    await fresh().writeRows(KEY(1), rows, {});
    const first = await object(identifierIndexKey(KEY(1)));
    await fresh().writeRows(KEY(1), rows, {});
    expect(Buffer.from((await object(identifierIndexKey(KEY(1))))!).equals(Buffer.from(first!))).toBe(true);
  });

  it('is written with a staged (upload) batch file, with the same bytes as inline', async () => {
    const rows = Array.from({ length: 25_000 }, (_, i) => row(i, 2));
    const staged = await fresh().stageRows();
    for (const r of rows) await staged.push(r);
    const bytes = await staged.commit(KEY(2), {});
    await staged.discard();
    const stagedIndex = await object(identifierIndexKey(KEY(2)));
    expect((await fresh().findRows(KEY(2), 'user-24000@example.com', bytes)).map((r) => r.row_number)).toEqual([24_000]);
    await fresh().writeRows(KEY(3), rows, {});
    expect(Buffer.from((await object(identifierIndexKey(KEY(3))))!).equals(Buffer.from(stagedIndex!))).toBe(true);
  });

  it('answers only the exact identifier when another shares its hash (same row group)', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => row(i, 4));
    const bytes = await fresh().writeRows(KEY(4), rows, {});
    // Forge a collision: row 15,000 (user-15000) indexed under user-42's hash.
    const entries = rows
      .filter((r) => r.identifier !== null)
      .map((r) => ({ hash: identifierHash(r.row_number === 15_000 ? 'user-42@example.com' : r.identifier!), row: r.row_number }))
      .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.row - b.row));
    const forged = encodeIdentifierIndex(BigInt64Array.from(entries.map((e) => e.hash)), Int32Array.from(entries.map((e) => e.row)));
    await s3.send(new PutObjectCommand({ Bucket: stack.settings.bucket, Key: identifierIndexKey(KEY(4)), Body: forged }));
    const files = fresh();
    expect((await files.findRows(KEY(4), 'user-42@example.com', bytes)).map((r) => r.row_number)).toEqual([42]);
    // user-15000 is not under its own hash any more: the forged index is what was read.
    expect(await files.findRows(KEY(4), 'user-15000@example.com', bytes)).toEqual([]);
  });

  it('is not needed: a batch file without one answers through its bloom filters', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => row(i, 5));
    const bytes = await fresh().writeRows(KEY(5), rows, {});
    await s3.send(new DeleteObjectCommand({ Bucket: stack.settings.bucket, Key: identifierIndexKey(KEY(5)) }));
    asked = [];
    const files = fresh();
    expect((await files.findRows(KEY(5), 'user-29998@example.com', bytes)).map((r) => r.row_number)).toEqual([29_998]);
    expect((await files.findRows(KEY(5), 'user-3@example.com')).map((r) => r.row_number)).toEqual([3]);
    // The missing index was asked for once, then remembered as missing.
    expect(asked.filter((key) => key === identifierIndexKey(KEY(5)))).toHaveLength(1);
  });

  it('goes with its batch file when the file is deleted', async () => {
    await fresh().writeRows(KEY(6), [row(0, 6)], {});
    await fresh().delete(KEY(6));
    expect(await object(identifierIndexKey(KEY(6)))).toBeUndefined();
  });

  it('reads a batch file and an index DuckDB wrote (ZSTD, TIMESTAMPTZ, no bloom filter), and such a file without an index', async () => {
    // Arrange: our file, rewritten by DuckDB the way the conversion will write it.
    const ours = join(dir, 'ours.parquet');
    writeFileSync(ours, (await object(KEY(0)))!);
    const duckFile = join(dir, 'duck.parquet');
    const duckIndex = join(dir, 'duck-index.parquet');
    const db = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
    await db.run(`COPY (SELECT * REPLACE (batch_number + 10 AS batch_number) FROM read_parquet('${ours}') ORDER BY row_number) TO '${duckFile}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 30000)`);
    await db.run(
      `COPY (SELECT ${IDENTIFIER_HASH_SQL('identifier')} AS identifier_hash, row_number FROM read_parquet('${duckFile}') WHERE identifier IS NOT NULL ORDER BY 1, 2)
       TO '${duckIndex}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${IDENTIFIER_INDEX_ROW_GROUP_ROWS})`,
    );
    db.closeSync();
    const body = readFileSync(duckFile);
    await s3.send(new PutObjectCommand({ Bucket: stack.settings.bucket, Key: KEY(10), Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: stack.settings.bucket, Key: identifierIndexKey(KEY(10)), Body: readFileSync(duckIndex) }));
    await s3.send(new PutObjectCommand({ Bucket: stack.settings.bucket, Key: KEY(11), Body: body }));
    // Act + Assert: the indexed file …
    const found = await fresh().findRows(KEY(10), 'user-7@example.com', body.byteLength);
    expect(found.map((r) => [r.row_number, r.status, r.batch_number])).toEqual([
      [7, 'succeeded', 10],
      [25_000, 'DUPLICATE', 10],
      [60_000, 'DUPLICATE', 10],
    ]);
    expect(found[0]!.batch_started_at).toEqual(new Date(0));
    // … and the same file without an index (no bloom filter: the identifiers are scanned).
    expect((await fresh().findRows(KEY(11), 'user-60001@example.com', body.byteLength)).map((r) => r.row_number)).toEqual([60_001]);
  });
});
