import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DETAIL_TYPES } from '#domain/events.ts';
import { EVENT_SOURCE, RETRIES_DETAIL_TYPE, RETRIES_SOURCE } from '#adapters/notifier.ts';
import type { Storage } from './storage.ts';
import { deadLetterQueue } from './grants.ts';
import { SyncTrailFunction } from './synctrail-function.ts';

export interface NotificationsProps {
  readonly storage: Storage;
  readonly eventBus: IEventBus;
  readonly environment: Record<string, string>;
  /** Where the console is, for the links in Slack and PagerDuty messages. */
  readonly consoleUrl?: string;
}

/**
 * Run and alert events leave through the bus (teams add their own rules there too); a rule
 * hands them to the webhook delivery function, and another the retries a test-send queued
 * (internal, apart from the events others subscribe to). A schedule checks freshness alerts, which go
 * stale with time alone.
 */
export class Notifications extends Construct {
  readonly deliverWebhooks: SyncTrailFunction;
  readonly checkFreshness: SyncTrailFunction;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.deadLetters = deadLetterQueue(this);

    this.deliverWebhooks = new SyncTrailFunction(this, 'DeliverWebhooks', {
      fn: 'jobs/deliver-webhooks',
      environment: { ...props.environment, ...(props.consoleUrl ? { SYNCTRAIL_CONSOLE_URL: props.consoleUrl } : {}) },
      // Four attempts of up to 10 s each, with 1 s, 5 s and 30 s between them.
      timeout: Duration.minutes(2),
      memorySize: 256,
    });
    // Reads webhooks, writes the delivery log.
    props.storage.table.grantReadWriteData(this.deliverWebhooks);
    new Rule(this, 'DeliverEvents', {
      description: 'SyncTrail run and alert events to the org webhooks',
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DETAIL_TYPES['run.started'], DETAIL_TYPES['run.completed'], DETAIL_TYPES['alert.fired'], DETAIL_TYPES['alert.resolved']] },
      targets: [new LambdaFunction(this.deliverWebhooks, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: this.deadLetters })],
    });
    new Rule(this, 'DeliverQueuedRetries', {
      description: 'SyncTrail webhook retries queued by a test-send',
      eventBus: props.eventBus,
      eventPattern: { source: [RETRIES_SOURCE], detailType: [RETRIES_DETAIL_TYPE] },
      targets: [new LambdaFunction(this.deliverWebhooks, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: this.deadLetters })],
    });

    this.checkFreshness = new SyncTrailFunction(this, 'CheckFreshness', {
      fn: 'jobs/check-freshness',
      environment: props.environment,
      timeout: Duration.minutes(5),
      memorySize: 512,
    });
    // Reads syncs, writes alert states, announces transitions on the bus; queues lost webhook retries again.
    props.storage.table.grantReadWriteData(this.checkFreshness);
    props.eventBus.grantPutEventsTo(this.checkFreshness);
    new Rule(this, 'Every15Minutes', {
      description: 'SyncTrail freshness alerts and lost webhook retries',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [new LambdaFunction(this.checkFreshness, { retryAttempts: 2, maxEventAge: Duration.minutes(15), deadLetterQueue: this.deadLetters })],
    });
  }
}
