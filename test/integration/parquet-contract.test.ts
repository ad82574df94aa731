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
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(async () => {
  duck?.closeSync();
  await stack.stop();
  rmSync(downloads, { recursive: true, force: true });
});

describe('row-level parquet files (the analysts\' contract)', () => {
  it('has seed 001 columns first, in order, then ours, the same in every file', async () => {
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
      ['batch_started_at', 'TIMESTAMP'],
      ['batch_ended_at', 'TIMESTAMP'],
      ['sync_configuration_id', 'VARCHAR'],
      ['sync_run_id', 'VARCHAR'],
    ]);
    expect(schemas[0]!.map(([name]) => name)).toEqual(TRACKING_COLUMNS.map((c) => c.name));
    expect(schemas[1]).toEqual(schemas[0]);
  });

  it("runs seed 001's own query unchanged (path aside)", async () => {
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

  it('writes metadata.json with seed 001 fields and the payload schema of every batch', async () => {
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
      record_payload_schema: { email: 'string', ltv: 'number', tags: 'array' },
    });
  });
});
