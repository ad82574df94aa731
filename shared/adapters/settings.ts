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
  rootKey?: string;
  rootKeySecretArn?: string;
}

export const DEFAULT_RETENTION_DAYS = 14;

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const retention = Number(env.SYNCTRAIL_RETENTION_DAYS ?? DEFAULT_RETENTION_DAYS);
  if (!Number.isFinite(retention) || retention <= 0) throw new Error('SYNCTRAIL_RETENTION_DAYS must be a positive number');
  return {
    region: env.AWS_REGION ?? 'us-east-1',
    table: env.SYNCTRAIL_TABLE ?? 'synctrail',
    bucket: env.SYNCTRAIL_BUCKET ?? 'synctrail-tracking',
    ...(env.SYNCTRAIL_DYNAMODB_ENDPOINT ? { dynamodbEndpoint: env.SYNCTRAIL_DYNAMODB_ENDPOINT } : {}),
    ...(env.SYNCTRAIL_S3_ENDPOINT ? { s3Endpoint: env.SYNCTRAIL_S3_ENDPOINT } : {}),
    retentionDays: retention,
    ...(env.SYNCTRAIL_ROOT_KEY ? { rootKey: env.SYNCTRAIL_ROOT_KEY } : {}),
    ...(env.SYNCTRAIL_ROOT_KEY_SECRET_ARN ? { rootKeySecretArn: env.SYNCTRAIL_ROOT_KEY_SECRET_ARN } : {}),
  };
}
