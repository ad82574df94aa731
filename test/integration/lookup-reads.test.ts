import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '#adapters/clients.ts';
import { S3TrackingFiles } from '#adapters/s3-tracking-files.ts';
import { PARQUET_WRITERS } from '#adapters/parquet-writers.ts';
import { ROW_GROUP_ROWS } from '#adapters/parquet.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { lookupRow } from '../support/fixtures.ts';

let stack: TestStack;
let files: S3TrackingFiles;
let bytesRead = 0;
let fileBytes = 0;
const ROWS = 100_000;
const KEY = 'sync_tracking_datasets/o/s/r/records_updated.0.parquet';

const row = (i: number): TrackingRow => lookupRow(i);

beforeAll(async () => {
  stack = await startTestStack();
  const { s3 } = createClients(stack.settings);
  // Count the bytes S3 hands back, as a Lambda's network would.
  s3.middlewareStack.add(
    (next) => async (args) => {
      const result: any = await next(args);
      bytesRead += Number(result.response?.headers?.['content-length'] ?? 0);
      return result;
    },
    { step: 'deserialize', name: 'countBytes' },
  );
  files = new S3TrackingFiles(s3, stack.settings.bucket, PARQUET_WRITERS);
  fileBytes = await files.writeRows(KEY, Array.from({ length: ROWS }, (_, i) => row(i)), {});
}, 60_000);
afterAll(async () => {
  await stack.stop();
});

describe('identifier lookups read only what they need', () => {
  it(`finds a record in a ${ROWS}-row file (${ROWS / ROW_GROUP_ROWS} row groups) reading a fraction of it`, async () => {
    // Act
    bytesRead = 0;
    const rows = await files.findRows(KEY, 'user-54321@example.com', fileBytes);
    // Assert
    expect(rows.map((r) => [r.identifier, r.row_number, r.status])).toEqual([['user-54321@example.com', 54321, 'succeeded']]);
    expect(bytesRead).toBeGreaterThan(0);
    expect(bytesRead / fileBytes).toBeLessThan(0.5);
  });

  it('answers a miss from the footer and bloom filters alone', async () => {
    bytesRead = 0;
    expect(await files.findRows(KEY, 'nobody@example.com', fileBytes)).toEqual([]);
    expect(bytesRead).toBeLessThanOrEqual(512 * 1024);
  });

  it('finds every copy of a repeated identifier', async () => {
    const key = 'sync_tracking_datasets/o/s/r/records_updated.1.parquet';
    const rows = Array.from({ length: 30_000 }, (_, i) => row(i));
    rows[25_000] = { ...row(25_000), identifier: 'user-7@example.com', status: 'DUPLICATE' };
    const bytes = await files.writeRows(key, rows, {});
    expect((await files.findRows(key, 'user-7@example.com', bytes)).map((r) => [r.row_number, r.status])).toEqual([
      [7, 'succeeded'],
      [25_000, 'DUPLICATE'],
    ]);
  });
});
