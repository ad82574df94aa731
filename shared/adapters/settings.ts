/**
 * Where the adapters point. In AWS everything comes from the function's environment,
 * set by the CDK app; local mode sets endpoints for dynalite and s3rver.
 */
export interface Settings {
  region: string;
  table: string;
  bucket: string;
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  /** Local stand-ins accept any credentials; s3rver wants its own pair. */
  localCredentials?: { accessKeyId: string; secretAccessKey: string };
  retentionDays: number;
  historyRetentionDays: number;
  rootKey?: string;
  rootKeySecretArn?: string;
  /** EventBridge bus for replay and run events (AWS); local mode keeps them in the table only. */
  eventBusName?: string;
  /** Glue database and table whose partitions each run registers (AWS). */
  glue?: { database: string; table: string };
  /** Let webhooks point at loopback and private addresses (local mode: yes; AWS: no). */
  allowPrivateWebhookTargets?: boolean;
  /** Waits before webhook retries, in ms. */
  webhookRetryDelaysMs?: number[];
  /** Where the web console is (`SYNCTRAIL_CONSOLE_URL`), for links in Slack and PagerDuty messages. */
  consoleUrl?: string;
  /** Local mode: when this process started; batch writers from before it are gone. */
  writersAliveSince?: string;
  /** Managed bucket (AWS): the fact-table job drops `sync_log` partitions created this many days ago. */
  dropPartitionsAfterDays?: number;
}

export const DEFAULT_RETENTION_DAYS = 14;

/**
 * `SYNCTRAIL_RETENTION_DAYS`: how long row-level records are browsable (default 14).
 * `SYNCTRAIL_HISTORY_RETENTION_DAYS`: how long runs stay in Sync History (default: the same).
 */
export function retentionFromEnv(env: NodeJS.ProcessEnv): { retentionDays: number; historyRetentionDays: number } {
  const retentionDays = positiveDays(env, 'SYNCTRAIL_RETENTION_DAYS') ?? DEFAULT_RETENTION_DAYS;
  const historyRetentionDays = positiveDays(env, 'SYNCTRAIL_HISTORY_RETENTION_DAYS') ?? retentionDays;
  if (historyRetentionDays < retentionDays) throw new Error('SYNCTRAIL_HISTORY_RETENTION_DAYS must be at least SYNCTRAIL_RETENTION_DAYS');
  return { retentionDays, historyRetentionDays };
}

/**
 * `SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS` (set by the CDK app on the fact-table job, managed bucket
 * only): more than the retention, since a younger partition still names browsable files.
 */
function dropPartitionsAfterDaysFromEnv(env: NodeJS.ProcessEnv, retentionDays: number): number | undefined {
  const days = positiveDays(env, 'SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS');
  if (days !== undefined && days <= retentionDays) throw new Error('SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS must be more than SYNCTRAIL_RETENTION_DAYS');
  return days;
}

/** undefined when unset or empty. */
function positiveDays(env: NodeJS.ProcessEnv, name: string): number | undefined {
  if (!env[name]) return undefined;
  const value = Number(env[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of days`);
  return value;
}

/** `SYNCTRAIL_CONSOLE_URL` (set by the CDK app on the functions that deliver webhooks): an http(s) URL, or unset. */
export function consoleUrlFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.SYNCTRAIL_CONSOLE_URL;
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new Error('SYNCTRAIL_CONSOLE_URL must be an http(s) URL');
  return value.replace(/\/+$/, '');
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const { retentionDays, historyRetentionDays } = retentionFromEnv(env);
  const dropPartitionsAfterDays = dropPartitionsAfterDaysFromEnv(env, retentionDays);
  const consoleUrl = consoleUrlFromEnv(env);
  return {
    region: env.AWS_REGION ?? 'us-east-1',
    table: env.SYNCTRAIL_TABLE ?? 'synctrail',
    bucket: env.SYNCTRAIL_BUCKET ?? 'synctrail-tracking',
    ...(env.SYNCTRAIL_DYNAMODB_ENDPOINT ? { dynamodbEndpoint: env.SYNCTRAIL_DYNAMODB_ENDPOINT } : {}),
    ...(env.SYNCTRAIL_S3_ENDPOINT ? { s3Endpoint: env.SYNCTRAIL_S3_ENDPOINT } : {}),
    retentionDays,
    historyRetentionDays,
    ...(env.SYNCTRAIL_ROOT_KEY ? { rootKey: env.SYNCTRAIL_ROOT_KEY } : {}),
    ...(env.SYNCTRAIL_ROOT_KEY_SECRET_ARN ? { rootKeySecretArn: env.SYNCTRAIL_ROOT_KEY_SECRET_ARN } : {}),
    ...(env.SYNCTRAIL_EVENT_BUS ? { eventBusName: env.SYNCTRAIL_EVENT_BUS } : {}),
    ...(env.SYNCTRAIL_WEBHOOK_ALLOW_PRIVATE === 'true' ? { allowPrivateWebhookTargets: true } : {}),
    ...(env.SYNCTRAIL_GLUE_DATABASE ? { glue: { database: env.SYNCTRAIL_GLUE_DATABASE, table: env.SYNCTRAIL_GLUE_TABLE ?? 'sync_log' } } : {}),
    ...(dropPartitionsAfterDays ? { dropPartitionsAfterDays } : {}),
    ...(consoleUrl ? { consoleUrl } : {}),
  };
}
