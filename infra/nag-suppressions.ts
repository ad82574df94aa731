import { Validations, type Stack } from 'aws-cdk-lib';
import type { Storage } from './constructs/storage.ts';

/** cdk-nag AwsSolutions findings SyncTrail accepts, each with the reason it is acceptable. */
export function applyNagSuppressions(stack: Stack, storage: Storage): void {
  const accept = (id: string, reason: string) => Validations.of(stack).acknowledge({ id, reason });
  const ref = (construct: { node: { defaultChild?: unknown } }) => (construct.node.defaultChild as { logicalId: string }).logicalId;
  const table = stack.resolve(ref(storage.table));

  accept(
    'AwsSolutions-APIG4',
    'Every route checks its bearer key in the shared middy middleware (shared/http/api-handler.ts) against hashed org keys in DynamoDB, with per-route scopes; an API Gateway authorizer would repeat that lookup.',
  );
  accept(
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'The basic execution role only lets a function write to its own log group, which SyncTrail creates with bounded retention.',
  );
  accept('AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords accept no resource narrower than *.');
  accept(
    `AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*]`,
    'Sync History, DLQ and org listings query the table\'s global secondary indexes; the grant covers exactly this table\'s indexes.',
  );
  const bucket = storage.managedBucket ? stack.resolve(ref(storage.bucket as never)) : undefined;
  const objects = (prefix: string) => (bucket ? `<${bucket}.Arn>/${prefix}*` : `arn:<AWS::Partition>:s3:::${storage.bucket.bucketName}/${prefix}*`);
  for (const prefix of ['sync_tracking_datasets/', 'metadata/', 'athena/fact-manifests/', 'uploads/']) {
    accept(`AwsSolutions-IAM5[Resource::${objects(prefix)}]`, `Objects are named per org, sync, run and batch; the grant is limited to exact actions under ${prefix}.`);
  }
  accept(
    'AwsSolutions-SMG4',
    'The root key only creates orgs and is handed to an operator by hand; rotating it automatically would lock that operator out. Rotate it deliberately (README).',
  );
  accept('AwsSolutions-SQS3', 'These queues are themselves dead-letter queues (fact-table schedule, upload conversion).');
}
