import { Duration } from 'aws-cdk-lib';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { CONVERSION_DETAIL_TYPE, CONVERSION_SOURCE } from '../../shared/adapters/conversion-queue.ts';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { allowMissingObjectChecks, bindBucket, deadLetterQueue } from './grants.ts';
import { IDENTIFIER_INDEX_PREFIX } from '#domain/identifier-index.ts';
import { RUN_DIGEST_PREFIX } from '#domain/run-digest.ts';
import type { Storage } from './storage.ts';
import { NATIVE_MODULES } from './bundling.ts';
import { SyncTrailFunction } from './synctrail-function.ts';
import { SYNC_LOG_MANIFESTS } from '#domain/tracking-row.ts';

/** The converter writes parquet with DuckDB: its linux-arm64 binary ships in the function's asset. */
export const CONVERTER_NATIVE_MODULES = NATIVE_MODULES['ingest/convert-upload']!;

/**
 * The converter's /tmp (MiB): the uploaded object is downloaded there and the parquet written
 * beside it (about 1/60 of the NDJSON with zstd), with DuckDB's spill files. 2,000,000 lines of the
 * seed's ~450-byte records are ~0.9 GB; 4 GiB leaves room for a ~3 GB upload (gzip or not) and the
 * rest. See docs/performance.md, "Native writer packaging".
 */
export const CONVERTER_TMP_MIB = 4096;

export interface UploadConversionProps {
  readonly storage: Storage;
  /** SyncTrail's bus: completion asks on it for a conversion that died to run again. */
  readonly eventBus: IEventBus;
  readonly environment: Record<string, string>;
}

/**
 * Large batches: an object created under `uploads/` (S3 → EventBridge) runs the converter,
 * which streams the NDJSON into the batch's parquet file and counts; so does a request on
 * SyncTrail's bus to convert again an upload whose conversion died. Failed invocations are
 * retried, then land in a dead-letter queue that the monitoring alarms on.
 */
export class UploadConversion extends Construct {
  readonly converter: SyncTrailFunction;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: UploadConversionProps) {
    super(scope, id);
    this.converter = new SyncTrailFunction(this, 'ConvertUpload', {
      fn: 'ingest/convert-upload',
      environment: props.environment,
      timeout: Duration.minutes(10),
      // A million-record upload converts in ~0.5 GB (DuckDB's pool is 128 MB); the rest is headroom and CPU.
      memorySize: 2048,
      ephemeralStorageMiB: CONVERTER_TMP_MIB,
      nativeModules: CONVERTER_NATIVE_MODULES,
    });
    props.storage.table.grantReadWriteData(this.converter);
    bindBucket(this.converter, props.storage.bucket, 'uploads/', 'read');
    bindBucket(this.converter, props.storage.bucket, 'sync_tracking_datasets/', 'readWrite');
    bindBucket(this.converter, props.storage.bucket, IDENTIFIER_INDEX_PREFIX, 'write');
    bindBucket(this.converter, props.storage.bucket, SYNC_LOG_MANIFESTS, 'write');
    // Finished runs' digests (run diffs), asked by completion: is one there already (404, not 403), then write it.
    bindBucket(this.converter, props.storage.bucket, RUN_DIGEST_PREFIX, 'readWrite');
    allowMissingObjectChecks(this.converter, props.storage.bucket, RUN_DIGEST_PREFIX);
    this.deadLetters = deadLetterQueue(this);
    new Rule(this, 'UploadCreated', {
      description: 'Convert uploaded NDJSON batches',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.storage.bucket.bucketName] }, object: { key: [{ prefix: 'uploads/' }] } },
      },
      targets: [new LambdaFunction(this.converter, { retryAttempts: 2, maxEventAge: Duration.hours(2), deadLetterQueue: this.deadLetters })],
    });
    new Rule(this, 'ConversionRequested', {
      description: 'Convert again an upload whose conversion died, or build a finished run digest (asked by run completion)',
      eventBus: props.eventBus,
      eventPattern: { source: [CONVERSION_SOURCE], detailType: [CONVERSION_DETAIL_TYPE] },
      targets: [new LambdaFunction(this.converter, { retryAttempts: 2, maxEventAge: Duration.hours(2), deadLetterQueue: this.deadLetters })],
    });
  }
}
