import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createClients } from '#adapters/clients.ts';
import { TRACKING_COLUMNS } from '#domain/tracking-row.ts';
import { apiClient, createOrgWithKeys, startTestStack, type TestStack } from '../support/local-stack.ts';
import { batch, syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let downloads: string;
let duck: DuckDBConnection;

/** Instants with milliseconds, an event date on the day before in UTC (and in most zones). */
const STARTED = '2026-11-20T23:30:00.250Z';
const ENDED = '2026-11-20T23:59:59.999Z';
const EVENT = '2026-11-19T22:15:00.125Z';
const TIMESTAMP_COLUMNS = ['batch_started_at', 'batch_ended_at', 'event_date'];

/** Copies a run's folder out of the bucket through the SDK, as an analyst's sync would. */
async function download(prefix: string): Promise<string> {
  const { s3 } = createClients(stack.settings);
  const dir = join(downloads, prefix);
  mkdirSync(dir, { recursive: true });
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: stack.settings.bucket, Prefix: prefix }));
  for (const { Key } of Contents) {
    const object = await s3.send(new GetObjectCommand({ Bucket: stack.settings.bucket, Key: Key! }));
    writeFileSync(join(downloads, Key!), await object.Body!.transformToByteArray());
  }
  return dir;
}

beforeAll(async () => {
  stack = await startTestStack();
  downloads = mkdtempSync(join(tmpdir(), 'synctrail-parquet-'));
  const api = apiClient(stack.url);
  const org = await createOrgWithKeys(api, '1');
  await api.put('/v1/syncs/2', org.key, syncConfig({ instance: 'nightly', entityType: 'contact', workspaceId: 'ws-9' }));
  await api.post('/v1/syncs/2/runs', org.key, { runId: '3' });
  await api.post(
    '/v1/runs/3/batches',
    org.key,
    batch({ batchType: 'records_updated', batchNumber: 0 }, [
      { identifier: 'ok@example.com', payload: { email: 'ok@example.com', ltv: 10 } },
      { identifier: 'bad-1', status: 'rejected', statusMessage: 'Invalid email format', payload: { email: 'bad-1' } },
      { identifier: 'bad-2', status: 'rejected', statusMessage: 'Invalid email format', payload: { email: 'bad-2' } },
      { identifier: null, payload: { email: null } },
    ]),
  );
  await api.post(
    '/v1/runs/3/batches',
    org.key,
    batch({ batchType: 'records_deleted', batchNumber: 0 }, [
      { identifier: 'gone', status: 'rejected', statusMessage: 'Audience not found', payload: { email: 'gone', tags: ['x'] } },
      { identifier: 'gone', payload: { email: 'gone' } },
    ]),
  );
  await api.post('/v1/runs/3/complete', org.key);

  // Run 4: a signal batch posted inline and one uploaded (the streaming writer), both with event dates.
  await api.post('/v1/syncs/2/runs', org.key, { runId: '4' });
  const signals = batch({ batchType: 'records_updated', batchNumber: 0, startedAt: STARTED, endedAt: ENDED }, [
    { identifier: 'e1', eventDate: EVENT, payload: { email: 'e1' } },
  ]);
  await api.post('/v1/runs/4/batches', org.key, signals);
  const ticket = await api.post('/v1/runs/4/uploads', org.key, { batchType: 'records_updated', batchNumber: 1, startedAt: STARTED, endedAt: ENDED });
  const line = JSON.stringify({ identifier: 'e2', status: 'succeeded', eventDate: EVENT, payload: { email: 'e2' } });
  await fetch(ticket.body.uploadUrl, { method: 'PUT', body: `${line}\n`, headers: ticket.body.headers });
  for (let i = 0; i < 200 && (await api.get('/v1/runs/4/batches', org.key)).body.items.find((b: { batchNumber: number }) => b.batchNumber === 1)?.state !== 'done'; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await api.post('/v1/runs/4/complete', org.key);
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  // Machines differ: the checks below read wall-clock times in UTC unless they say otherwise.
  await duck.run("SET TimeZone = 'UTC'");
});

afterAll(async () => {
  duck?.closeSync();
  await stack.stop();
  rmSync(downloads, { recursive: true, force: true });
});

describe('row-level parquet files (the analysts\' contract)', () => {
  it('has Sync Tracking columns first, in order, then ours, the same in every file', async () => {
    // Arrange
    const dir = await download('sync_tracking_datasets/1/2/3/');
    // Act
    const schemas = await Promise.all(
      ['records_updated.0.parquet', 'records_deleted.0.parquet'].map(async (file) => {
        const result = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${join(dir, file)}')`);
        return result.getRowObjectsJS().map((r) => [r.column_name, r.column_type]);
      }),
    );
    // Assert
    expect(schemas[0]!.slice(0, 9)).toEqual([
      ['identifier', 'VARCHAR'],
      ['record_payload', 'VARCHAR'],
      ['operation', 'VARCHAR'],
      ['status', 'VARCHAR'],
      ['status_message', 'VARCHAR'],
      ['batch_started_at', 'TIMESTAMP WITH TIME ZONE'],
      ['batch_ended_at', 'TIMESTAMP WITH TIME ZONE'],
      ['sync_configuration_id', 'VARCHAR'],
      ['sync_run_id', 'VARCHAR'],
    ]);
    expect(schemas[0]!.map(([name]) => name)).toEqual(TRACKING_COLUMNS.map((c) => c.name));
    expect(schemas[1]).toEqual(schemas[0]);
  });

  it("runs Sync Tracking's own query unchanged (path aside)", async () => {
    // Arrange
    const dir = await download('sync_tracking_datasets/1/2/3/');
    // Act
    const result = await duck.runAndReadAll(`
      SELECT status_message, ARRAY_AGG(identifier) AS rejected_records
      FROM read_parquet('${dir}/*.parquet', union_by_name=True)
      WHERE status = 'rejected'
      GROUP BY 1 ORDER BY 1`);
    // Assert
    expect(result.getRowObjectsJS().map((r) => [r.status_message, [...(r.rejected_records as string[])].sort()])).toEqual([
      ['Audience not found', ['gone']],
      ['Invalid email format', ['bad-1', 'bad-2']],
    ]);
  });

  it('holds every record with its statuses, ids and times', async () => {
    const dir = await download('sync_tracking_datasets/1/2/3/');
    const result = await duck.runAndReadAll(`
      SELECT identifier, status, operation, sync_configuration_id, sync_run_id, org_id, workspace_id, instance, entity_type,
             destination_id, source_object_id, destination_object_id, json_extract_string(record_payload, '$.email') AS email,
             strftime(batch_started_at, '%Y-%m-%dT%H:%M:%S') AS started
      FROM read_parquet('${dir}/*.parquet') ORDER BY batch_type DESC, row_number`);
    const rows = result.getRowObjectsJS();
    expect(rows.map((r) => [r.identifier, r.status])).toEqual([
      ['ok@example.com', 'succeeded'],
      ['bad-1', 'rejected'],
      ['bad-2', 'rejected'],
      [null, 'NULL'],
      ['gone', 'rejected'],
      ['gone', 'DUPLICATE'],
    ]);
    expect(rows[0]).toMatchObject({
      operation: 'upsert',
      sync_configuration_id: '2',
      sync_run_id: '3',
      org_id: '1',
      workspace_id: 'ws-9',
      instance: 'nightly',
      entity_type: 'contact',
      destination_id: 'dest-meta',
      source_object_id: 'seg-1',
      destination_object_id: 'dobj-1',
      email: 'ok@example.com',
      started: '2026-11-20T10:00:00',
    });
  });

  it('writes metadata.json with Sync Tracking fields and the payload schema of every batch', async () => {
    const dir = await download('sync_tracking_datasets/1/2/3/');
    const result = await duck.runAndReadAll(`SELECT * FROM read_json('${dir}/metadata.json')`);
    const [metadata] = result.getRowObjectsJson();
    expect(metadata).toMatchObject({
      org_id: '1',
      workspace_id: 'ws-9',
      sync_configuration_id: '2',
      sync_run_id: '3',
      source_type: 'DataWarehouse::FilterSegmentSource',
      source_id: 'seg-1',
      destination_type: 'Meta Ads::Connection',
      destination_id: 'dest-meta',
      sync_run_started_at: expect.any(String),
      // `email` was null in the record with no identifier: a field lists every type it held.
      record_payload_schema: { email: ['string', 'null'], ltv: 'number', tags: 'array' },
    });
  });

  it('keeps times as UTC instants every reader agrees on: DuckDB TIMESTAMPTZ in any time zone, the logical type in the footer, inline and uploaded', async () => {
    // Arrange
    const dir = await download('sync_tracking_datasets/1/2/4/');
    const files = ['records_updated.0.parquet', 'records_updated.1.parquet'].map((file) => join(dir, file));
    const elsewhere = await (await DuckDBInstance.create(':memory:')).connect();
    await elsewhere.run("SET TimeZone = 'America/Los_Angeles'");
    try {
      for (const file of files) {
        // Act
        const types = (await duck.runAndReadAll(`DESCRIBE SELECT ${TIMESTAMP_COLUMNS.join(', ')} FROM read_parquet('${file}')`)).getRowObjectsJS();
        const footer = (await duck.runAndReadAll(`SELECT name, converted_type, logical_type FROM parquet_schema('${file}') WHERE name IN (${TIMESTAMP_COLUMNS.map((c) => `'${c}'`).join(', ')})`)).getRowObjectsJS();
        const [values] = (
          await elsewhere.runAndReadAll(
            `SELECT epoch_ms(batch_started_at) AS started, epoch_ms(batch_ended_at) AS ended, epoch_ms(event_date) AS event,
                    strftime(timezone('UTC', event_date), '%Y-%m-%d %H:%M:%S.%g') AS event_utc, strftime(event_date, '%Y-%m-%d %H:%M') AS event_la
             FROM read_parquet('${file}')`,
          )
        ).getRowObjectsJS();
        // Assert
        expect(types.map((t) => t.column_type), file).toEqual(Array(3).fill('TIMESTAMP WITH TIME ZONE'));
        expect(footer.map((f) => [f.name, f.converted_type, f.logical_type]), file).toEqual(
          TIMESTAMP_COLUMNS.map((name) => [name, 'TIMESTAMP_MICROS', 'TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))']),
        );
        expect(values, file).toEqual({
          started: BigInt(Date.parse(STARTED)),
          ended: BigInt(Date.parse(ENDED)),
          event: BigInt(Date.parse(EVENT)),
          event_utc: '2026-11-19 22:15:00.125',
          event_la: '2026-11-19 14:15',
        });
      }
    } finally {
      elsewhere.closeSync();
    }
  });
});
