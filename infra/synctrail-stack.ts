import { Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { DEFAULT_RETENTION_DAYS } from '#adapters/settings.ts';
import { Analytics, SYNC_LOG_TABLE } from './constructs/analytics.ts';
import { ConsoleHosting } from './constructs/console-hosting.ts';
import { ApiFunction } from './constructs/api-function.ts';
import { SyncTrailHttpApi } from './constructs/http-api.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Notifications } from './constructs/notifications.ts';
import { Schedules } from './constructs/schedules.ts';
import { Storage } from './constructs/storage.ts';
import { UploadConversion } from './constructs/upload-conversion.ts';

export interface SyncTrailStackProps extends StackProps {
  readonly retentionDays?: number;
  readonly historyRetentionDays?: number;
  /** Bring your own bucket: its name. SyncTrail then adds no lifecycle rule to it. */
  readonly existingBucketName?: string;
  readonly consoleOrigin?: string;
  readonly deletionProtection?: boolean;
  readonly alarmEmail?: string;
  readonly throttle?: { rateLimit: number; burstLimit: number };
  readonly bytesScannedCutoffPerQuery?: number;
  /** Serve the web console through CloudFront (default true). */
  readonly console?: boolean;
  /** The console's own domain and its us-east-1 ACM certificate. */
  readonly consoleDomain?: { readonly name: string; readonly certificateArn: string };
  /** A CLOUDFRONT-scope WAF web ACL for the console's distribution. */
  readonly consoleWebAclArn?: string;
}

/** SyncTrail in one stack: storage, the ingest, query and admin APIs, analytics, schedules, the console, monitoring. */
export class SyncTrailStack extends Stack {
  readonly storage: Storage;
  readonly analytics: Analytics;
  readonly console?: ConsoleHosting;

  constructor(scope: Construct, id: string, props: SyncTrailStackProps = {}) {
    super(scope, id, props);
    const retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
    const historyRetentionDays = props.historyRetentionDays ?? retentionDays;
    const storage = (this.storage = new Storage(this, 'Storage', {
      retentionDays,
      historyRetentionDays,
      deletionProtection: props.deletionProtection ?? true,
      ...(props.existingBucketName ? { existingBucketName: props.existingBucketName } : {}),
    }));
    const analytics = (this.analytics = new Analytics(this, 'Analytics', {
      bucket: storage.bucket,
      accessLogs: storage.accessLogs,
      bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 100 * 1024 ** 3,
    }));
    const http = new SyncTrailHttpApi(this, 'Http', {
      ...(props.consoleOrigin ? { consoleOrigin: props.consoleOrigin } : {}),
      throttle: props.throttle ?? { rateLimit: 200, burstLimit: 400 },
    });
    const eventBus = new EventBus(this, 'Events', { description: 'SyncTrail run, alert and replay events' });

    const environment = {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SYNCTRAIL_TABLE: storage.table.tableName,
      SYNCTRAIL_BUCKET: storage.bucket.bucketName,
      SYNCTRAIL_RETENTION_DAYS: String(retentionDays),
      SYNCTRAIL_HISTORY_RETENTION_DAYS: String(historyRetentionDays),
      SYNCTRAIL_ROOT_KEY_SECRET_ARN: http.rootKey.secretArn,
      SYNCTRAIL_EVENT_BUS: eventBus.eventBusName,
      SYNCTRAIL_GLUE_DATABASE: analytics.databaseName,
      SYNCTRAIL_GLUE_TABLE: SYNC_LOG_TABLE,
    };
    if (props.console ?? true) {
      this.console = new ConsoleHosting(this, 'Console', {
        api: http.api,
        accessLogs: storage.accessLogs,
        ...(props.consoleDomain ? { domain: props.consoleDomain } : {}),
        ...(props.consoleWebAclArn ? { webAclArn: props.consoleWebAclArn } : {}),
      });
    }
    // Slack and PagerDuty messages link to the console: the one served here, or one hosted elsewhere
    // (its origin, allowed for CORS). Only the functions that deliver webhooks (admin: test-sends) need it.
    const consoleUrl = this.console?.url ?? props.consoleOrigin;

    const routes = { api: http.api, storage, rootKey: http.rootKey, eventBus, environment, grantPartitions: (fn: Parameters<Analytics['grantRegisterPartitions']>[0]) => analytics.grantRegisterPartitions(fn) };
    const ingest = new ApiFunction(this, 'IngestApi', { ...routes, name: 'ingest' });
    const query = new ApiFunction(this, 'QueryApi', { ...routes, name: 'query' });
    const admin = new ApiFunction(this, 'AdminApi', { ...routes, environment: { ...environment, ...(consoleUrl ? { SYNCTRAIL_CONSOLE_URL: consoleUrl } : {}) }, name: 'admin' });
    const schedules = new Schedules(this, 'Schedules', { storage, analytics, environment });
    const uploads = new UploadConversion(this, 'Uploads', { storage, eventBus, environment });
    const notifications = new Notifications(this, 'Notifications', { storage, eventBus, environment, ...(consoleUrl ? { consoleUrl } : {}) });

    new Monitoring(this, 'Monitoring', {
      api: http.api,
      ingest: ingest.fn,
      functions: new Map([
        ['api/ingest', ingest.fn],
        ['api/query', query.fn],
        ['api/admin', admin.fn],
        ['jobs/refresh-facts', schedules.refreshFacts],
        ['ingest/convert-upload', uploads.converter],
        ['jobs/deliver-webhooks', notifications.deliverWebhooks],
        ['jobs/check-freshness', notifications.checkFreshness],
      ]),
      deadLetters: [schedules.deadLetters, uploads.deadLetters, notifications.deadLetters],
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
  }
}
