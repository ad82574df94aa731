import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AlreadyExistsException, BatchDeletePartitionCommand, CreatePartitionCommand, GetPartitionsCommand, GlueClient, type Partition } from '@aws-sdk/client-glue';
import { GluePartitions, NO_PARTITION_REGISTRY } from '#adapters/glue-partitions.ts';
import { TRACKING_COLUMNS } from '#domain/tracking-row.ts';

const client = new GlueClient({ region: 'eu-west-1' });
const glue = mockClient(client);
const registry = new GluePartitions(client, 'synctrail_db', 'sync_log', 'acme-logs');

beforeEach(() => glue.reset());

describe('GluePartitions', () => {
  it("registers a run's manifest folder as the (org, sync_id, run_id) partition of sync_log, a symlink table of parquet files", async () => {
    // Arrange
    glue.on(CreatePartitionCommand).resolves({});
    // Act
    await registry.registerRun('acme', 'meta', 'run-1');
    // Assert
    const input = glue.commandCalls(CreatePartitionCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      DatabaseName: 'synctrail_db',
      TableName: 'sync_log',
      PartitionInput: {
        Values: ['acme', 'meta', 'run-1'],
        StorageDescriptor: {
          // Never the run folder: it holds metadata.json beside the parquet files.
          Location: 's3://acme-logs/athena/sync-log-manifests/acme/meta/run-1/',
          InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
    expect(input.PartitionInput!.StorageDescriptor!.Columns!.map((c) => c.Name)).toEqual(TRACKING_COLUMNS.map((c) => c.name));
  });

  it('treats an already registered run as done', async () => {
    glue.on(CreatePartitionCommand).rejects(new AlreadyExistsException({ message: 'exists', $metadata: {} }));
    await expect(registry.registerRun('acme', 'meta', 'run-1')).resolves.toBeUndefined();
  });

  it('lets other failures through, so the start is retried', async () => {
    glue.on(CreatePartitionCommand).rejects(new Error('AccessDeniedException'));
    await expect(registry.registerRun('acme', 'meta', 'run-1')).rejects.toThrow('AccessDeniedException');
  });
});

describe('GluePartitions.dropCreatedBefore', () => {
  const cutoff = new Date('2026-11-01T00:00:00.000Z');
  const old = (run: string): Partition => ({ Values: ['acme', 'meta', run], CreationTime: new Date('2026-10-15T00:00:00.000Z') });
  const young = (run: string): Partition => ({ Values: ['acme', 'meta', run], CreationTime: new Date('2026-11-01T00:00:00.000Z') });
  const runs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const deleted = () => glue.commandCalls(BatchDeletePartitionCommand).map((call) => call.args[0].input.PartitionsToDelete!.map((p) => p.Values![2]));

  it('pages through the listing without column schemas, following NextToken', async () => {
    // Arrange
    glue
      .on(GetPartitionsCommand, { NextToken: undefined })
      .resolves({ Partitions: [old('run-1'), young('run-2')], NextToken: 'page-2' })
      .on(GetPartitionsCommand, { NextToken: 'page-2' })
      .resolves({ Partitions: [old('run-3')] });
    glue.on(BatchDeletePartitionCommand).resolves({ Errors: [] });
    // Act
    const result = await registry.dropCreatedBefore(cutoff);
    // Assert
    expect(glue.commandCalls(GetPartitionsCommand).map((call) => call.args[0].input)).toEqual([
      { DatabaseName: 'synctrail_db', TableName: 'sync_log', ExcludeColumnSchema: true },
      { DatabaseName: 'synctrail_db', TableName: 'sync_log', ExcludeColumnSchema: true, NextToken: 'page-2' },
    ]);
    expect(glue.commandCalls(BatchDeletePartitionCommand).map((call) => call.args[0].input)).toEqual([
      { DatabaseName: 'synctrail_db', TableName: 'sync_log', PartitionsToDelete: [{ Values: ['acme', 'meta', 'run-1'] }, { Values: ['acme', 'meta', 'run-3'] }] },
    ]);
    expect(result).toEqual({ scanned: 3, dropped: 2 });
  });

  it('deletes only partitions created before the cutoff (one created at it stays, as does one without a time)', async () => {
    glue.on(GetPartitionsCommand).resolves({ Partitions: [young('at-cutoff'), old('old'), { Values: ['acme', 'meta', 'no-time'] }, { ...young('later'), CreationTime: new Date('2026-11-20T00:00:00.000Z') }] });
    glue.on(BatchDeletePartitionCommand).resolves({});

    await expect(registry.dropCreatedBefore(cutoff)).resolves.toEqual({ scanned: 4, dropped: 1 });
    expect(deleted()).toEqual([['old']]);
  });

  it('sends nothing to delete when no partition is old enough', async () => {
    glue.on(GetPartitionsCommand).resolves({ Partitions: [young('run-1')] });

    await expect(registry.dropCreatedBefore(cutoff)).resolves.toEqual({ scanned: 1, dropped: 0 });
    expect(glue.commandCalls(BatchDeletePartitionCommand)).toHaveLength(0);
  });

  it('deletes in batches of at most 25, while paging: a full batch goes before the next page is read', async () => {
    // Arrange: 30 old partitions on the first page, 22 old ones and a young one on the second.
    glue
      .on(GetPartitionsCommand, { NextToken: undefined })
      .resolves({ Partitions: runs('a', 30).map(old), NextToken: 'page-2' })
      .on(GetPartitionsCommand, { NextToken: 'page-2' })
      .resolves({ Partitions: [...runs('b', 22).map(old), young('b-young')] });
    glue.on(BatchDeletePartitionCommand).resolves({ Errors: [] });
    // Act
    const result = await registry.dropCreatedBefore(cutoff);
    // Assert
    expect(deleted()).toEqual([runs('a', 25), [...runs('a', 30).slice(25), ...runs('b', 20)], runs('b', 22).slice(20)]);
    const order = glue.calls().map((call) => call.args[0].constructor.name);
    expect(order).toEqual(['GetPartitionsCommand', 'BatchDeletePartitionCommand', 'GetPartitionsCommand', 'BatchDeletePartitionCommand', 'BatchDeletePartitionCommand']);
    expect(result).toEqual({ scanned: 53, dropped: 52 });
  });

  it('counts a partition that is already gone as not dropped, without failing', async () => {
    glue.on(GetPartitionsCommand).resolves({ Partitions: [old('run-1'), old('run-2')] });
    glue.on(BatchDeletePartitionCommand).resolves({
      Errors: [{ PartitionValues: ['acme', 'meta', 'run-2'], ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: 'Partition not found' } }],
    });

    await expect(registry.dropCreatedBefore(cutoff)).resolves.toEqual({ scanned: 2, dropped: 1 });
  });

  it('throws after the batch on any other per-partition error, so the schedule retries and the error alarm sees it', async () => {
    glue.on(GetPartitionsCommand).resolves({ Partitions: [old('run-1'), old('run-2'), old('run-3')] });
    glue.on(BatchDeletePartitionCommand).resolves({
      Errors: [
        { PartitionValues: ['acme', 'meta', 'run-1'], ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: 'Partition not found' } },
        { PartitionValues: ['acme', 'meta', 'run-3'], ErrorDetail: { ErrorCode: 'InternalServiceException', ErrorMessage: 'try again' } },
      ],
    });

    await expect(registry.dropCreatedBefore(cutoff)).rejects.toThrow('could not drop 1 of 3 sync_log partitions, e.g. (acme, meta, run-3): InternalServiceException: try again');
    expect(deleted()).toEqual([['run-1', 'run-2', 'run-3']]);
  });

  it('lets a failed listing through', async () => {
    glue.on(GetPartitionsCommand).rejects(new Error('AccessDeniedException'));

    await expect(registry.dropCreatedBefore(cutoff)).rejects.toThrow('AccessDeniedException');
    expect(glue.commandCalls(BatchDeletePartitionCommand)).toHaveLength(0);
  });
});

describe('NO_PARTITION_REGISTRY (local mode)', () => {
  it('has no catalogue, so nothing to scan or drop', async () => {
    await expect(NO_PARTITION_REGISTRY.dropCreatedBefore(new Date())).resolves.toEqual({ scanned: 0, dropped: 0 });
  });
});
