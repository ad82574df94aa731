import { BatchDeletePartitionCommand, CreatePartitionCommand, GetPartitionsCommand, type GlueClient, type PartitionValueList } from '@aws-sdk/client-glue';
import type { PartitionRegistry } from '#domain/ports.ts';
import { syncLogManifestPrefix, TRACKING_COLUMNS } from '#domain/tracking-row.ts';

/** Glue's limit on the partitions of one BatchDeletePartition. */
export const DELETE_BATCH_SIZE = 25;

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

  /**
   * Pages through the table's partitions (without their column lists: each page stays small)
   * and deletes the old ones as it goes, so no listing is held whole. A partition the listing
   * skips because earlier ones were deleted meanwhile is dropped by the next run.
   */
  async dropCreatedBefore(before: Date): Promise<{ scanned: number; dropped: number }> {
    let scanned = 0;
    let dropped = 0;
    let old: PartitionValueList[] = [];
    let nextToken: string | undefined;
    do {
      // A new request per page: the SDK's paginator reuses (and rewrites) one input object.
      const page = await this.client.send(
        new GetPartitionsCommand({ DatabaseName: this.database, TableName: this.table, ExcludeColumnSchema: true, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      for (const partition of page.Partitions ?? []) {
        scanned += 1;
        if (partition.Values && partition.CreationTime && partition.CreationTime.getTime() < before.getTime()) old.push({ Values: partition.Values });
        if (old.length === DELETE_BATCH_SIZE) {
          dropped += await this.deletePartitions(old);
          old = [];
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    if (old.length) dropped += await this.deletePartitions(old);
    return { scanned, dropped };
  }

  /** Answers how many it deleted; one already gone is fine, any other failure throws once the batch is done. */
  private async deletePartitions(partitions: PartitionValueList[]): Promise<number> {
    const { Errors: errors = [] } = await this.client.send(
      new BatchDeletePartitionCommand({ DatabaseName: this.database, TableName: this.table, PartitionsToDelete: partitions }),
    );
    const failed = errors.filter((e) => e.ErrorDetail?.ErrorCode !== 'EntityNotFoundException');
    if (failed.length) {
      const first = failed[0]!;
      throw new Error(
        `could not drop ${failed.length} of ${partitions.length} ${this.table} partitions, e.g. (${first.PartitionValues?.join(', ')}): ${first.ErrorDetail?.ErrorCode}: ${first.ErrorDetail?.ErrorMessage}`,
      );
    }
    return partitions.length - errors.length;
  }
}

/** Local mode has no catalogue: DuckDB reads the run folders directly (`npm run sql`). */
export const NO_PARTITION_REGISTRY: PartitionRegistry = {
  registerRun: async () => undefined,
  dropCreatedBefore: async () => ({ scanned: 0, dropped: 0 }),
};
