import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GlueClient } from '@aws-sdk/client-glue';
import { DynamoDlqStore } from './dynamodb/dlq-store.ts';
import { GluePartitions, NO_PARTITION_REGISTRY } from './glue-partitions.ts';
import { ReplayEvents } from './replay-events.ts';
import type { Clock, Deps, Notifier } from '#domain/ports.ts';
import { createClients, UNINSTRUMENTED, type ClientInstrument } from './clients.ts';
import { DynamoAuditLog } from './dynamodb/audit-log.ts';
import { DynamoKeyStore, DynamoOrgStore } from './dynamodb/org-store.ts';
import { DynamoRunStore } from './dynamodb/run-store.ts';
import { DynamoSyncStore } from './dynamodb/sync-store.ts';
import { NO_ROOT_KEY, SecretsManagerRootKey, StaticRootKey } from './root-key.ts';
import { S3TrackingFiles } from './s3-tracking-files.ts';
import type { ParquetWriters } from './parquet-writers.ts';
import { settingsFromEnv, type Settings } from './settings.ts';
import { EventBridgeNotifier, NO_BUS } from './notifier.ts';
import { DynamoWebhookStore } from './dynamodb/webhook-store.ts';
import { HttpWebhookSender, webhookTargetPolicy } from './webhook-sender.ts';
import { DEFAULT_RETRY_DELAYS_MS } from '#domain/webhooks.ts';
import { EventBridgeConversionQueue, InProcessConversionQueue } from './conversion-queue.ts';

export const systemClock: Clock = { now: () => new Date() };

/**
 * Wires the adapters for one set of settings. Handlers call this once, at module load.
 * `instrument` is applied to every SDK client (in Lambda: X-Ray capture; locally: nothing).
 * Events go on the bus when there is one (every Lambda function has it); without one they go
 * to `localNotifier` (local mode delivers them in-process with `DirectNotifier`). The parquet
 * `writers` are given by whoever writes tracking files. Both are taken as options, so the
 * delivery code and the writers stay out of the bundles of functions that never use them.
 */
export interface DepsOptions {
  localNotifier?: (deps: () => Deps) => Notifier;
  writers?: ParquetWriters;
}

export function createDeps(settings: Settings, clock: Clock = systemClock, instrument: ClientInstrument = UNINSTRUMENTED, options: DepsOptions = {}): Deps {
  const localNotifier = options.localNotifier ?? (() => NO_BUS);
  const { dynamo, s3 } = createClients(settings, instrument);
  const rootKey = settings.rootKey
    ? new StaticRootKey(settings.rootKey)
    : settings.rootKeySecretArn
      ? new SecretsManagerRootKey(instrument(new SecretsManagerClient({ region: settings.region })), settings.rootKeySecretArn)
      : NO_ROOT_KEY;
  const eventBridge = settings.eventBusName ? instrument(new EventBridgeClient({ region: settings.region })) : undefined;
  const allowPrivate = settings.allowPrivateWebhookTargets ?? false;
  const deps: Deps = {
    orgs: new DynamoOrgStore(dynamo, settings.table),
    keys: new DynamoKeyStore(dynamo, settings.table),
    syncs: new DynamoSyncStore(dynamo, settings.table),
    runs: new DynamoRunStore(dynamo, settings.table),
    audit: new DynamoAuditLog(dynamo, settings.table),
    dlq: new DynamoDlqStore(dynamo, settings.table),
    events: new ReplayEvents(dynamo, settings.table, eventBridge && settings.eventBusName ? { client: eventBridge, name: settings.eventBusName } : undefined),
    // In AWS events go on the bus and a function delivers webhooks; locally they are delivered directly.
    notifier: eventBridge && settings.eventBusName ? new EventBridgeNotifier(eventBridge, settings.eventBusName) : localNotifier(() => deps),
    webhooks: new DynamoWebhookStore(dynamo, settings.table),
    webhookSender: new HttpWebhookSender(allowPrivate),
    webhookTargets: webhookTargetPolicy(allowPrivate),
    files: new S3TrackingFiles(s3, settings.bucket, options.writers),
    conversions: eventBridge && settings.eventBusName ? new EventBridgeConversionQueue(eventBridge, settings.eventBusName) : new InProcessConversionQueue(),
    partitions: settings.glue
      ? new GluePartitions(instrument(new GlueClient({ region: settings.region })), settings.glue.database, settings.glue.table, settings.bucket)
      : NO_PARTITION_REGISTRY,
    rootKey,
    clock,
    config: {
      retentionDays: settings.retentionDays,
      historyRetentionDays: settings.historyRetentionDays,
      webhookRetryDelaysMs: settings.webhookRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      ...(settings.writersAliveSince ? { writersAliveSince: settings.writersAliveSince } : {}),
      ...(settings.dropPartitionsAfterDays ? { dropPartitionsAfterDays: settings.dropPartitionsAfterDays } : {}),
      ...(settings.consoleUrl ? { consoleUrl: settings.consoleUrl } : {}),
    },
  };
  return deps;
}

let fromEnv: Deps | undefined;

/**
 * The deps a Lambda function uses: built from its environment on first use (clients
 * instrumented so), then kept; `writers` where the function writes tracking files.
 */
export function depsFromEnv(instrument: ClientInstrument = UNINSTRUMENTED, writers?: ParquetWriters): Deps {
  fromEnv ??= createDeps(settingsFromEnv(), systemClock, instrument, writers ? { writers } : {});
  return fromEnv;
}
