import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Analytics } from './analytics.ts';
import type { Storage } from './storage.ts';
import { bindBucket, deadLetterQueue } from './grants.ts';
import { SyncTrailFunction } from './synctrail-function.ts';

export interface SchedulesProps {
  readonly storage: Storage;
  /** Where `sync_log`'s partitions are: the fact-table job drops expired runs' ones (managed bucket). */
  readonly analytics: Analytics;
  readonly environment: Record<string, string>;
}

/**
 * Fact tables are refreshed every six hours, separate from sync runs. With the managed
 * bucket the same job drops the `sync_log` partitions of runs whose files have expired.
 */
export class Schedules extends Construct {
  readonly refreshFacts: SyncTrailFunction;
  /** Invocations that failed after the retries: failed asynchronous work, alarmed on. */
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const dropAfterDays = props.storage.dropPartitionsAfterDays;
    this.refreshFacts = new SyncTrailFunction(this, 'RefreshFacts', {
      fn: 'jobs/refresh-facts',
      environment: { ...props.environment, ...(dropAfterDays ? { SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS: String(dropAfterDays) } : {}) },
      timeout: Duration.minutes(5),
    });
    props.storage.table.grantReadData(this.refreshFacts);
    bindBucket(this.refreshFacts, props.storage.bucket, 'metadata/', 'write');
    bindBucket(this.refreshFacts, props.storage.bucket, 'athena/fact-manifests/', 'write');
    if (dropAfterDays) props.analytics.grantDropPartitions(this.refreshFacts);
    this.deadLetters = deadLetterQueue(this);
    new Rule(this, 'Every6Hours', {
      description: 'Rewrite SyncTrail fact tables (source objects, destinations, destination objects)',
      schedule: Schedule.rate(Duration.hours(6)),
      targets: [new LambdaFunction(this.refreshFacts, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: this.deadLetters })],
    });
  }
}
