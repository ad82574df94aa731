import { CreatePartitionCommand, type GlueClient } from '@aws-sdk/client-glue';
import type { PartitionRegistry } from '#domain/ports.ts';
import { syncLogManifestPrefix, TRACKING_COLUMNS } from '#domain/tracking-row.ts';

export const GLUE_TYPES = { STRING: 'string', JSON: 'string', TIMESTAMP: 'timestamp', BOOLEAN: 'boolean', INT32: 'int' } as const;

/**
 * The `sync_log` storage descriptor: one place, used by the CDK table and each partition. A
 * symlink table: its location holds manifests (one per counted batch) naming the parquet
 * files, so Athena never reads the `metadata.json` beside them.
 */
export const syncLogStorage = (location: string) => ({
  Location: location,
  InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
  Columns: TRACKING_COLUMNS.map((c) => ({ Name: c.name, Type: GLUE_TYPES[c.type] })),
});

/**
 * Registers each run's manifest folder as a `sync_log` partition (org, sync_id, run_id) when
 * the run starts, so a query that names an org, a sync or a run reads only those files.
 */
export class GluePartitions implements PartitionRegistry {
  constructor(
    private readonly client: GlueClient,
    private readonly database: string,
    private readonly table: string,
    private readonly bucket: string,
  ) {}

  async registerRun(orgId: string, syncId: string, runId: string): Promise<void> {
    try {
      await this.client.send(
        new CreatePartitionCommand({
          DatabaseName: this.database,
          TableName: this.table,
          PartitionInput: { Values: [orgId, syncId, runId], StorageDescriptor: syncLogStorage(`s3://${this.bucket}/${syncLogManifestPrefix(orgId, syncId, runId)}`) },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'AlreadyExistsException') throw error;
    }
  }
}

/** Local mode has no catalogue: DuckDB reads the run folders directly (`npm run sql`). */
export const NO_PARTITION_REGISTRY: PartitionRegistry = { registerRun: async () => undefined };
