import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AlreadyExistsException, CreatePartitionCommand, GlueClient } from '@aws-sdk/client-glue';
import { GluePartitions } from '#adapters/glue-partitions.ts';
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
