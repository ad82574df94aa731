import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, CfnBucket, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '#adapters/dynamodb/table.ts';
import { SYNC_LOG_MANIFESTS } from '#domain/tracking-row.ts';
import { IDENTIFIER_INDEX_PREFIX } from '#domain/identifier-index.ts';
import { RUN_DIGEST_PREFIX } from '#domain/run-digest.ts';

export interface StorageProps {
  /** Days row-level files under `sync_tracking_datasets/` (and their Athena manifests) are kept in the managed bucket. */
  readonly retentionDays: number;
  /** Days a run accepts batches after it starts (its item's life in Sync History). */
  readonly historyRetentionDays: number;
  /** An existing bucket to write to instead ("bring your own bucket"): no lifecycle rule is added. */
  readonly existingBucketName?: string;
  readonly deletionProtection: boolean;
}

/**
 * A bucket for S3 server access logs and CloudFront standard logs (delivered with ACLs,
 * hence bucket-owner-preferred), kept 90 days.
 */
export function accessLogsBucket(scope: Construct, id: string): Bucket {
  return new Bucket(scope, id, {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The run/sync table and the tracking bucket (managed, or the team's own). */
export class Storage extends Construct {
  readonly table: TableV2;
  readonly bucket: IBucket;
  readonly managedBucket: boolean;
  /**
   * Managed bucket only: a `sync_log` partition created this many days ago names only files the
   * lifecycle rules below have expired. A run takes batches until `historyRetentionDays` after it
   * starts, and each file lives `retentionDays` from when it was written, so its last file is gone
   * `historyRetentionDays + retentionDays` days after the start; a day more for the clock's sake.
   * A bring-your-own bucket keeps its files until its owner's policy: undefined.
   */
  readonly dropPartitionsAfterDays: number | undefined;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      globalSecondaryIndexes: INDEXES.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      })),
    });

    this.managedBucket = !props.existingBucketName;
    this.dropPartitionsAfterDays = this.managedBucket ? props.historyRetentionDays + props.retentionDays + 1 : undefined;
    // SyncTrail's own buckets (Athena results, the console) log here, whosever the tracking bucket is.
    this.accessLogs = accessLogsBucket(this, 'AccessLogs');
    if (props.existingBucketName) {
      this.bucket = Bucket.fromBucketName(this, 'Bucket', props.existingBucketName);
      return;
    }
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'tracking-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        // Row-level data is browsable for the retention window; the bucket keeps it no longer.
        { id: 'expire-row-level-data', prefix: 'sync_tracking_datasets/', expiration: Duration.days(props.retentionDays) },
        // Each batch file's identifier index (written just before it) goes with it; a lookup of a
        // file whose index went first reads the file's bloom filters (JS-written files) or scans
        // its identifiers (DuckDB writes no bloom filter for them).
        { id: 'expire-identifier-indexes', prefix: IDENTIFIER_INDEX_PREFIX, expiration: Duration.days(props.retentionDays) },
        // A run's digest (run diffs) is written after its files, from them: it goes with them.
        { id: 'expire-run-digests', prefix: RUN_DIGEST_PREFIX, expiration: Duration.days(props.retentionDays) },
        // Athena's manifests of those files go a day before them: a manifest naming a file that is
        // gone fails every query over its partition ("Input path does not exist").
        { id: 'expire-sync-log-manifests', prefix: SYNC_LOG_MANIFESTS, expiration: Duration.days(Math.max(1, props.retentionDays - 1)) },
        // Uploads are converted within minutes; what stays is a failed or abandoned one.
        { id: 'expire-uploads', prefix: 'uploads/', expiration: Duration.days(2) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    // Object-created events go to EventBridge (a native bucket setting, no custom resource):
    // the upload converter listens there.
    (this.bucket.node.defaultChild as CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
  }
}
