import { Token, Validations, type Stack } from 'aws-cdk-lib';
import type { ConsoleHosting } from './constructs/console-hosting.ts';
import type { Storage } from './constructs/storage.ts';
import { ANALYST_OBJECTS, type Analytics } from './constructs/analytics.ts';
import { SYNC_LOG_MANIFESTS } from '#domain/tracking-row.ts';
import { IDENTIFIER_INDEX_PREFIX } from '#domain/identifier-index.ts';
import { RUN_DIGEST_PREFIX } from '#domain/run-digest.ts';

/** cdk-nag AwsSolutions findings SyncTrail accepts, each with the reason it is acceptable. */
export function applyNagSuppressions(stack: Stack, storage: Storage, consoleHosting?: ConsoleHosting, analytics?: Analytics): void {
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
  for (const prefix of ['sync_tracking_datasets/', IDENTIFIER_INDEX_PREFIX, RUN_DIGEST_PREFIX, 'metadata/', 'athena/fact-manifests/', SYNC_LOG_MANIFESTS, 'uploads/']) {
    accept(`AwsSolutions-IAM5[Resource::${objects(prefix)}]`, `Objects are named per org, sync, run and batch; the grant is limited to exact actions under ${prefix}.`);
  }
  accept(
    'AwsSolutions-SMG4',
    'The root key only creates orgs and is handed to an operator by hand; rotating it automatically would lock that operator out. Rotate it deliberately (docs/deployment.md).',
  );
  accept('AwsSolutions-SQS3', 'These queues are themselves dead-letter queues (fact-table schedule, upload conversion).');

  if (analytics) {
    for (const pattern of ANALYST_OBJECTS.filter((p) => p.endsWith('*.parquet'))) {
      accept(
        `AwsSolutions-IAM5[Resource::${bucket ? `<${bucket}.Arn>/${pattern}` : `arn:<AWS::Partition>:s3:::${storage.bucket.bucketName}/${pattern}`}]`,
        `The analyst policy reads the parquet files the Glue tables name, of every org of this deployment (Athena runs with the analyst's own credentials); not metadata.json or uploads.`,
      );
    }
    accept(
      `AwsSolutions-IAM5[Resource::<${stack.resolve(ref(analytics.results))}.Arn>/*]`,
      "Analysts' Athena queries write their results under keys Athena chooses, in the workgroup's own results bucket (expired after 30 days).",
    );
  }

  if (consoleHosting) acceptConsoleFindings(stack, consoleHosting, accept, ref);
}

/** The console's CloudFront distribution and CDK's bucket deployment that uploads its files. */
function acceptConsoleFindings(stack: Stack, hosting: ConsoleHosting, accept: (id: string, reason: string) => void, ref: (c: { node: { defaultChild?: unknown } }) => string) {
  accept(
    'AwsSolutions-CFR1',
    'Operators sign in from wherever they work; access is by API key on every /v1 request, so a geographic restriction would only lock out travelling staff.',
  );
  accept(
    'AwsSolutions-CFR2',
    'A WAF web ACL costs a monthly fee and is created in us-east-1; the API throttles and checks keys itself. Attach one with -c consoleWebAclArn=… (docs/deployment.md).',
  );
  accept(
    'AwsSolutions-CFR4',
    'On the default *.cloudfront.net certificate CloudFront fixes the TLS policy; with -c consoleDomainName and -c consoleCertificateArn the distribution requires TLS 1.2 (TLSv1.2_2021).',
  );
  accept('AwsSolutions-L1', "CDK's bucket deployment function (it uploads the console's files at deploy time) runs the Python runtime CDK pins for it.");
  const bucket = stack.resolve(ref(hosting.bucket));
  const why = "CDK's bucket deployment copies the console's files from the CDK asset bucket into the console bucket and invalidates the distribution; its role reaches only those two buckets.";
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) accept(`AwsSolutions-IAM5[Action::${action}]`, why);
  accept(`AwsSolutions-IAM5[Resource::<${bucket}.Arn>/*]`, why);
  const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  accept(`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${part(stack.account, 'AccountId')}-${part(stack.region, 'Region')}/*]`, why);
}
