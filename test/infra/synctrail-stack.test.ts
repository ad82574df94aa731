import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TRACKING_COLUMNS } from '#domain/tracking-row.ts';
import { API_NAMES, ROUTES, routesOf } from '../../functions/routes.ts';
import { SQL_DIR } from '../../infra/constructs/analytics.ts';
import { applyNagSuppressions } from '../../infra/nag-suppressions.ts';
import { CONSOLE_SECURITY_HEADERS } from '../../console/build.ts';
import { SyncTrailStack, type SyncTrailStackProps } from '../../infra/synctrail-stack.ts';

/** The app without bundling the functions (that is `npm run synth`'s job), so tests stay fast. */
function build(props: SyncTrailStackProps = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SyncTrailStack(app, 'SyncTrail', { env: { account: '123456789012', region: 'eu-west-1' }, ...props });
  return { app, stack };
}

function synth(props: SyncTrailStackProps = {}) {
  const { app, stack } = build(props);
  return { app, stack, template: Template.fromStack(stack) };
}

let template: Template;
const FUNCTIONS = API_NAMES.length + 4; // one per API concern, plus the fact-table job, the upload converter, webhook delivery and the freshness check

// Synthesis bundles every function with esbuild: on a busy 2-core machine it can take a minute.
beforeAll(() => {
  template = synth({ consoleOrigin: 'https://console.example.com', alarmEmail: 'ops@example.com' }).template;
}, 180_000);

const functionsWhere = (env: Record<string, unknown>) => template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike(env) } } });

describe('Storage', () => {
  it('has an on-demand table with point-in-time recovery, TTL, deletion protection and the run indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }] }),
        Match.objectLike({ IndexName: 'gsi2', KeySchema: [{ AttributeName: 'gsi2pk', KeyType: 'HASH' }, { AttributeName: 'gsi2sk', KeyType: 'RANGE' }] }),
      ],
    });
  });

  it('lets deletion protection be turned off', () => {
    synth({ deletionProtection: false }).template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] });
  });

  it('blocks public access, encrypts, requires TLS and expires row-level data after the retention', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-row-level-data', Prefix: 'sync_tracking_datasets/', ExpirationInDays: 14, Status: 'Enabled' })]) },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    synth({ retentionDays: 30 }).template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-row-level-data', ExpirationInDays: 30 })]) },
    });
  });

  it('uses a bring-your-own bucket as it is: no lifecycle rule, functions pointed at it', () => {
    const byo = synth({ existingBucketName: 'acme-sync-logs' }).template;
    const lifecycles = Object.values(byo.findResources('AWS::S3::Bucket')).filter((b) => JSON.stringify(b).includes('sync_tracking_datasets'));
    expect(lifecycles).toEqual([]);
    const fns = byo.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ SYNCTRAIL_BUCKET: 'acme-sync-logs' }) } } });
    expect(Object.keys(fns)).toHaveLength(FUNCTIONS);
    byo.hasResourceProperties('AWS::Glue::Table', { TableInput: Match.objectLike({ Name: 'sync_log', StorageDescriptor: Match.objectLike({ Location: 's3://acme-sync-logs/athena/sync-log-manifests/' }) }) });
  });

  it("expires Athena's sync_log manifests a day before the row-level files they name", () => {
    const rule = (days: number) => Match.objectLike({ Id: 'expire-sync-log-manifests', Prefix: 'athena/sync-log-manifests/', ExpirationInDays: days, Status: 'Enabled' });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([rule(13)]) } });
    synth({ retentionDays: 30 }).template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([rule(29)]) } });
    // A bring-your-own bucket keeps them, as it keeps the files, until its owner's policy.
    const byo = synth({ existingBucketName: 'acme-sync-logs' }).template;
    expect(JSON.stringify(byo.findResources('AWS::S3::Bucket'))).not.toContain('sync-log-manifests');
  });
});

describe('functions', () => {
  it('run Node.js 24 on arm64 with JSON logs, tracing and a bounded log group', () => {
    const fns = functionsWhere({ SYNCTRAIL_TABLE: Match.anyValue() });
    expect(Object.keys(fns)).toHaveLength(FUNCTIONS);
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, LoggingConfig: { LogFormat: 'JSON' } });
    }
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(FUNCTIONS);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('gives query functions read-only access: no table or bucket writes', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const writes = /dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)|s3:(PutObject|DeleteObject)/;
    const queryPolicies = Object.entries(policies).filter(([id]) => id.startsWith('QueryApi'));
    expect(queryPolicies).toHaveLength(1);
    for (const [id, policy] of queryPolicies) expect(JSON.stringify(policy), id).not.toMatch(writes);
    const writers = Object.entries(policies).filter(([id]) => id.startsWith('IngestApi') || id.startsWith('AdminApi'));
    expect(writers).toHaveLength(2);
    for (const [, policy] of writers) expect(JSON.stringify(policy)).toMatch(/dynamodb:PutItem/);
    // Admin writes the table (keys, webhooks, rules, dead letters) but no file: only ingest does.
    const [, admin] = writers.find(([id]) => id.startsWith('AdminApi'))!;
    expect(JSON.stringify(admin)).not.toMatch(/s3:(PutObject|DeleteObject)/);
    expect(JSON.stringify(admin)).toMatch(/s3:GetObject/);
  });

  it('grants S3 exact actions only, and Glue partitions and events only where a route needs them', () => {
    // CDK's bucket deployment (console files) is the only role with wildcard S3 actions, on the console bucket.
    const ours = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'));
    expect(JSON.stringify(ours)).not.toMatch(/s3:(GetObject|List|DeleteObject|Abort|GetBucket)\*/);
    const glue = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, p]) => JSON.stringify(p).includes('glue:CreatePartition'));
    // Runs start (and their partition is registered) from the API and from OpenLineage events.
    expect(glue.map(([id]) => id.replace(/ServiceRole.*$/, '')).sort()).toEqual(['IngestApiFunction']);
    const events = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, p]) => JSON.stringify(p).includes('events:PutEvents'));
    // Runs announce their start and completion, replays reach producers, rules set on a broken sync fire at once, freshness alerts fire on a schedule.
    expect(events.map(([id]) => id.replace(/ServiceRole.*$/, '')).sort()).toEqual(['AdminApiFunction', 'IngestApiFunction', 'NotificationsCheckFreshness']);
  });

  it('tell every function where the root key secret is', () => {
    expect(Object.keys(functionsWhere({ SYNCTRAIL_ROOT_KEY_SECRET_ARN: Match.anyValue() }))).toHaveLength(FUNCTIONS);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });
});

describe('HTTP API', () => {
  it('routes every API route to the function of its concern, through one integration and one permission each', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    expect(Object.keys(integrations)).toHaveLength(API_NAMES.length);
    const functionOf = (integrationId: string) => integrations[integrationId]!.Properties.IntegrationUri['Fn::GetAtt'][0] as string;
    for (const api of API_NAMES) {
      const served = routes.filter((r) => functionOf(r.Properties.Target['Fn::Join'][1][1].Ref).toLowerCase().startsWith(`${api}apifunction`));
      expect(served.map((r) => r.Properties.RouteKey).sort(), api).toEqual(routesOf(api).map((r) => `${r.method} ${r.path}`).sort());
    }
    // API Gateway may invoke each API function from this API's routes only; no permission per route.
    const invokes = Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'apigateway.amazonaws.com' } }));
    expect(invokes).toHaveLength(API_NAMES.length);
    for (const permission of invokes) expect(JSON.stringify(permission.Properties.SourceArn)).toContain('/*/*/*');
  });

  it('stays far below CloudFormation\'s 500 resources (docs/deployment.md states the count)', () => {
    // As `cdk deploy` makes it with no context values (the CLI turns on CDK's own metadata resource).
    const app = new App({ analyticsReporting: true, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new SyncTrailStack(app, 'SyncTrail', { env: { account: '123456789012', region: 'eu-west-1' } });
    const count = Object.keys(Template.fromStack(stack).toJSON().Resources).length;
    expect(count).toBeLessThanOrEqual(200);
    const headless = new App({ analyticsReporting: true, context: { 'aws:cdk:bundling-stacks': [] } });
    const withoutConsole = Object.keys(Template.fromStack(new SyncTrailStack(headless, 'SyncTrail', { env: { account: '123456789012', region: 'eu-west-1' }, console: false })).toJSON().Resources).length;
    const deployment = readFileSync(join(import.meta.dirname, '../../docs/deployment.md'), 'utf8');
    expect(deployment).toContain(`${count} resources\n(CloudFormation allows 500; ${withoutConsole} with \`-c console=false\`)`);
  });

  it('throttles, logs access and allows CORS for the console origin only', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://console.example.com'] }) });
    const noCors = synth().template.findResources('AWS::ApiGatewayV2::Api');
    expect(Object.values(noCors)[0]!.Properties.CorsConfiguration).toBeUndefined();
  });
});

describe('Analytics', () => {
  it('defines sync_log with the tracking columns, partitioned by org, sync and run', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'sync_log',
        PartitionKeys: [
          { Name: 'org', Type: 'string' },
          { Name: 'sync_id', Type: 'string' },
          { Name: 'run_id', Type: 'string' },
        ],
        StorageDescriptor: Match.objectLike({
          Columns: TRACKING_COLUMNS.map((c) => ({ Name: c.name, Type: { STRING: 'string', JSON: 'string', TIMESTAMP: 'timestamp', BOOLEAN: 'boolean', INT32: 'int' }[c.type] })),
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        }),
      }),
    });
  });

  it('reads sync_log through symlink manifests, never the run folders (they hold metadata.json)', () => {
    // Partitions (registered at run start, see glue-partitions.test.ts) are the runs' folders under this location.
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'sync_log',
        StorageDescriptor: Match.objectLike({
          Location: { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/athena/sync-log-manifests/']] },
          InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        }),
      }),
    });
    const statements = (policy: any): any[] => policy.Properties.PolicyDocument.Statement;
    const puts = (prefix: string) => (statement: any) => [statement.Action].flat().includes('s3:PutObject') && JSON.stringify(statement.Resource).includes(`/${prefix}*`);
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const ids = (prefix: string) => policies.filter(([, policy]) => statements(policy).some(puts(prefix))).map(([id]) => id).sort();
    // Exactly the functions that count batches write their manifests: a batch's writer, completion
    // (and an OpenLineage completion) rolling one forward, the upload request rolling one forward, the converter.
    expect(ids('athena/sync-log-manifests/').map((id) => id.replace(/ServiceRole.*$/, ''))).toEqual(
      ['IngestApiFunction', 'UploadsConvertUpload'],
    );
    // Identifier indexes are written with the batch files, by the same two.
    expect(ids('identifier-index/').map((id) => id.replace(/ServiceRole.*$/, ''))).toEqual(['IngestApiFunction', 'UploadsConvertUpload']);
  });

  it('expires identifier indexes with the batch files, and lets every API function read them', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-identifier-indexes', Prefix: 'identifier-index/', ExpirationInDays: 14, Status: 'Enabled' })]) },
    });
    const statements = (policy: any): any[] => policy.Properties.PolicyDocument.Statement;
    const reads = (statement: any) => [statement.Action].flat().includes('s3:GetObject') && JSON.stringify(statement.Resource).includes('/identifier-index/*');
    const readers = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, policy]) => statements(policy).some(reads));
    expect(readers.map(([id]) => id.replace(/ServiceRole.*$/, '')).sort()).toEqual(['AdminApiFunction', 'IngestApiFunction', 'QueryApiFunction']);
  });

  it('expires run digests with the batch files; only the converter writes them, only it and the query API read them', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-run-digests', Prefix: 'run-digest/', ExpirationInDays: 14, Status: 'Enabled' })]) },
    });
    const statements = (policy: any): any[] => policy.Properties.PolicyDocument.Statement;
    const on = (action: string) => (statement: any) => [statement.Action].flat().includes(action) && JSON.stringify(statement.Resource).includes('/run-digest/*');
    const holders = (action: string) =>
      Object.entries(template.findResources('AWS::IAM::Policy'))
        .filter(([, policy]) => statements(policy).some(on(action)))
        .map(([id]) => id.replace(/ServiceRole.*$/, ''))
        .sort();
    expect(holders('s3:PutObject')).toEqual(['UploadsConvertUpload']);
    expect(holders('s3:GetObject')).toEqual(['QueryApiFunction', 'UploadsConvertUpload']);
  });

  it("gives analysts a policy that reads the manifests and the files they name, not the rest of the bucket", () => {
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const text = JSON.stringify(policy);
    for (const prefix of ['sync_tracking_datasets/', 'metadata/', 'athena/fact-manifests/', 'athena/sync-log-manifests/']) expect(text).toContain(`/${prefix}*`);
    expect(text).not.toContain('uploads/');
    expect(text).toMatch(/athena:StartQueryExecution/);
    template.hasOutput('AnalystPolicyArn', Match.anyValue());
  });

  it('defines the three fact tables, read through symlink manifests', () => {
    for (const name of ['source_objects', 'destinations', 'destination_objects']) {
      template.hasResourceProperties('AWS::Glue::Table', {
        TableInput: Match.objectLike({ Name: name, StorageDescriptor: Match.objectLike({ InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat' }) }),
      });
    }
  });

  it('has a workgroup that enforces its result location, encryption and a scan cutoff', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 100 * 1024 ** 3,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } }),
      }),
    });
  });

  it('outputs the workgroup and database that `synctrail sql --athena` takes', () => {
    template.hasOutput('AthenaWorkGroup', { Value: 'synctrail-synctrail' });
    template.hasOutput('AthenaDatabase', { Value: 'synctrail_synctrail' });
    template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'synctrail-synctrail' });
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'synctrail_synctrail' }) });
  });

  it('deploys each .sql file as a named query', () => {
    const files = readdirSync(SQL_DIR).filter((f) => f.endsWith('.sql'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    template.resourceCountIs('AWS::Athena::NamedQuery', files.length);
  });
});

describe('Upload conversion', () => {
  it('sends object-created events to EventBridge and converts uploads/ with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::S3::Bucket', { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: Match.objectLike({ object: { key: [{ prefix: 'uploads/' }] } }) },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 }, DeadLetterConfig: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-uploads', Prefix: 'uploads/', ExpirationInDays: 2 })]) },
    });
    const converter = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('UploadsConvertUpload'));
    expect(JSON.stringify(converter)).toMatch(/uploads\/\*/);
  });

  it('converts again, on a request on SyncTrail\'s bus, an upload whose conversion died; completion may ask and read uploads/ to know', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: { source: ['synctrail.internal'], 'detail-type': ['Upload Conversion Requested'] },
      Targets: [Match.objectLike({ Arn: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 }, DeadLetterConfig: Match.anyValue() })],
    });
    const statements = (policy: any): any[] => policy.Properties.PolicyDocument.Statement;
    const readsUploads = (statement: any) => [statement.Action].flat().includes('s3:GetObject') && JSON.stringify(statement.Resource).includes('/uploads/*');
    const readers = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, policy]) => statements(policy).some(readsUploads));
    expect(readers.map(([id]) => id.replace(/ServiceRole.*$/, '')).sort()).toEqual(['IngestApiFunction', 'UploadsConvertUpload']);
    // Telling a missing object (404) from a forbidden one (403) takes s3:ListBucket, on the prefix only.
    const lists = (statement: any) => [statement.Action].flat().includes('s3:ListBucket');
    const listers = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, policy]) => statements(policy).some(lists));
    // The API functions tell a missing identifier index (a file written before indexes) that way too.
    // And the converter and the query API a run digest not built yet (run diffs).
    expect(listers.map(([id]) => id.replace(/ServiceRole.*$/, '')).sort()).toEqual(['AdminApiFunction', 'IngestApiFunction', 'QueryApiFunction', 'UploadsConvertUpload']);
    for (const [id, policy] of listers) {
      const prefixes = statements(policy).filter(lists).flatMap((statement) => Object.values(statement.Condition.StringLike['s3:prefix']).flat());
      expect(prefixes.every((prefix) => /^(uploads|sync_tracking_datasets|identifier-index|run-digest)\/\*$/.test(String(prefix))), id).toBe(true);
      expect(prefixes.includes('run-digest/*'), id).toBe(id.startsWith('QueryApi') || id.startsWith('UploadsConvertUpload'));
      expect(prefixes.some((prefix) => /^(uploads|sync_tracking_datasets)\/\*$/.test(String(prefix))), id).toBe(id.startsWith('IngestApi'));
    }
  });

  it('lets only the upload request sign PUTs to uploads/', () => {
    const statements = (policy: any): any[] => policy.Properties.PolicyDocument.Statement;
    const putsUploads = (statement: any) =>
      [statement.Action].flat().includes('s3:PutObject') && JSON.stringify(statement.Resource).includes('/uploads/*');
    const writers = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, policy]) => statements(policy).some(putsUploads));
    expect(writers.map(([id]) => id)).toEqual([expect.stringMatching(/^IngestApiFunction/)]);
  });
});

describe('Schedules and monitoring', () => {
  it('refreshes fact tables every six hours, with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(6 hours)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  it("lets the fact-table job drop expired runs' sync_log partitions with the managed bucket only: the setting and exactly two Glue actions", () => {
    const refreshFacts = (t: Template) => Object.entries(t.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith('SchedulesRefreshFacts'));
    const glueStatements = (t: Template) =>
      Object.entries(t.findResources('AWS::IAM::Policy')).flatMap(([id, policy]) =>
        (policy.Properties.PolicyDocument.Statement as any[]).filter((s) => JSON.stringify(s.Action).includes('glue:')).map((statement) => ({ id: id.replace(/ServiceRole.*$/, ''), statement })),
      );
    const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:glue:eu-west-1:123456789012:${resource}`]] });

    // Managed bucket: a run takes batches for historyRetentionDays, each file lives retentionDays: 14 + 14 + 1.
    const [[, fn]] = refreshFacts(template) as [[string, any]];
    expect(fn.Properties.Environment.Variables.SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS).toBe('29');
    expect(Object.keys(functionsWhere({ SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS: Match.anyValue() }))).toHaveLength(1);
    expect(glueStatements(template).filter(({ id }) => id === 'SchedulesRefreshFacts')).toEqual([
      {
        id: 'SchedulesRefreshFacts',
        statement: { Effect: 'Allow', Action: ['glue:GetPartitions', 'glue:BatchDeletePartition'], Resource: [arn('catalog'), arn('database/synctrail_synctrail'), arn('table/synctrail_synctrail/sync_log')] },
      },
    ]);
    expect(glueStatements(template).filter(({ statement }) => JSON.stringify(statement).includes('glue:BatchDeletePartition')).map(({ id }) => id)).toEqual(['SchedulesRefreshFacts']);
    const [[, longer]] = refreshFacts(synth({ retentionDays: 30 }).template) as [[string, any]];
    expect(longer.Properties.Environment.Variables.SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS).toBe('61');
    const [[, history]] = refreshFacts(synth({ retentionDays: 14, historyRetentionDays: 90 }).template) as [[string, any]];
    expect(history.Properties.Environment.Variables.SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS).toBe('105');

    // A bring-your-own bucket keeps its files until its owner's policy, so their partitions stay.
    const byo = synth({ existingBucketName: 'acme-sync-logs' }).template;
    const [[, byoFn]] = refreshFacts(byo) as [[string, any]];
    expect(byoFn.Properties.Environment.Variables).not.toHaveProperty('SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS');
    expect(glueStatements(byo).filter(({ id }) => id === 'SchedulesRefreshFacts')).toEqual([]);
    expect(JSON.stringify(byo.findResources('AWS::IAM::Policy'))).not.toContain('glue:BatchDeletePartition');
  });

  it('alarms on every function\'s errors and throttles, API 5xx and failed async work, to a topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(FUNCTIONS * 2 + 4); // + API 5xx and three dead-letter queues
    const metrics = alarms.map((a) => a.Properties.MetricName);
    expect(metrics.filter((m) => m === 'Errors')).toHaveLength(FUNCTIONS);
    expect(metrics.filter((m) => m === 'Throttles')).toHaveLength(FUNCTIONS);
    expect(metrics).toEqual(expect.arrayContaining(['5xx', 'ApproximateNumberOfMessagesVisible']));
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('Notifications', () => {
  it('hand run and alert events from the bus to the webhook delivery function, with retries and a dead-letter queue', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern?.source);
    const delivery = rules.find((r) => JSON.stringify(r.Properties.EventPattern).includes('SyncTrail Run Completed'))!;
    expect(delivery.Properties.EventPattern).toEqual({
      source: ['synctrail'],
      'detail-type': ['SyncTrail Run Started', 'SyncTrail Run Completed', 'SyncTrail Alert Fired', 'SyncTrail Alert Resolved'],
    });
    expect(delivery.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^Events/) });
    expect(delivery.Properties.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: expect.anything() });
    expect(JSON.stringify(delivery.Properties.Targets[0].Arn)).toContain('NotificationsDeliverWebhooks');
  });

  it('hand the retries a test-send queued (internal, apart from the public events) to the same function, from the admin API that may put them', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('Webhook Retries Queued'));
    expect(rules).toHaveLength(1);
    const [retries] = rules;
    expect(retries!.Properties.EventPattern).toEqual({ source: ['synctrail.internal'], 'detail-type': ['Webhook Retries Queued'] });
    expect(retries!.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^Events/) });
    expect(retries!.Properties.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: expect.anything() });
    expect(JSON.stringify(retries!.Properties.Targets[0].Arn)).toContain('NotificationsDeliverWebhooks');
    // The admin API queues them: PutEvents on SyncTrail's bus, and no other.
    const [, admin] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('AdminApi'))!;
    const putEvents = admin.Properties.PolicyDocument.Statement.filter((st: { Action: string | string[] }) => [st.Action].flat().includes('events:PutEvents'));
    expect(putEvents).toHaveLength(1);
    expect(putEvents[0].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Events/), 'Arn'] });
  });

  it("tell the functions that deliver webhooks (delivery, admin for test-sends) where the console is, for Slack and PagerDuty links: the hosted one, else the console origin, else nowhere", () => {
    // Arrange
    const consoleUrlOf = (t: Template) =>
      Object.fromEntries(Object.entries(t.findResources('AWS::Lambda::Function')).map(([id, fn]) => [id.replace(/[0-9A-F]{8}$/, ''), fn.Properties.Environment?.Variables?.SYNCTRAIL_CONSOLE_URL]));
    const hosted = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleDistribution/), 'DomainName'] }]] };

    // Act
    const withConsole = consoleUrlOf(template);
    const elsewhere = consoleUrlOf(synth({ console: false, consoleOrigin: 'https://console.example.com' }).template);
    const none = consoleUrlOf(synth({ console: false }).template);

    // Assert
    const delivering = (urls: Record<string, unknown>) => Object.keys(urls).filter((id) => urls[id] !== undefined).sort();
    expect(delivering(withConsole)).toEqual(['AdminApiFunction', 'NotificationsDeliverWebhooks'].map((id) => expect.stringMatching(new RegExp(`^${id}`))));
    expect(Object.values(withConsole).filter(Boolean)).toEqual([hosted, hosted]);
    expect(Object.values(elsewhere).filter(Boolean)).toEqual(['https://console.example.com', 'https://console.example.com']);
    expect(Object.values(none).filter(Boolean)).toEqual([]);
  });

  it('check freshness every 15 minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)', Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationsCheckFreshness'), 'Arn'] } })] });
  });
});

describe('Console', () => {
  const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
  const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

  it('serves the console from a private bucket through CloudFront, and the API on /v1/* of the same origin, never cached', () => {
    const distributions = template.findResources('AWS::CloudFront::Distribution');
    expect(Object.keys(distributions)).toHaveLength(1);
    const config = Object.values(distributions)[0]!.Properties.DistributionConfig;
    expect(config).toMatchObject({ DefaultRootObject: 'index.html', Enabled: true, HttpVersion: 'http2and3', Logging: { Prefix: 'cloudfront/' } });
    expect(config.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https', Compress: true });
    const api = config.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === '/v1/*');
    expect(api).toMatchObject({ ViewerProtocolPolicy: 'https-only', CachePolicyId: CACHING_DISABLED, OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER });
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']));
    const apiOrigin = config.Origins.find((o: { Id: string }) => o.Id === api.TargetOriginId);
    expect(JSON.stringify(apiOrigin.DomainName)).toContain('HttpApi');
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    const bucketOrigin = config.Origins.find((o: { Id: string }) => o.Id === config.DefaultCacheBehavior.TargetOriginId);
    expect(bucketOrigin.OriginAccessControlId).toBeDefined();
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasOutput('ConsoleUrl', {});
  });

  it('sends the same security headers as local mode, and lets only CloudFront read the bucket', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: CONSOLE_SECURITY_HEADERS['content-security-policy'], Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31536000 }),
        }),
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^ConsoleBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject', Condition: Match.objectLike({ StringEquals: Match.anyValue() }) })]),
      },
    });
  });

  it('uploads hashed assets for a year and index.html uncached, the page after its assets, then invalidates', () => {
    const deployments = Object.entries(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(2);
    const assets = deployments.find(([id]) => id.startsWith('ConsoleAssets'))!;
    const page = deployments.find(([id]) => id.startsWith('ConsolePage'))!;
    expect(assets[1].Properties).toMatchObject({ SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' }, Prune: false });
    expect(page[1].Properties).toMatchObject({ SystemMetadata: { 'cache-control': 'no-cache' }, DistributionPaths: ['/index.html', '/'] });
    expect(page[1].DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ConsoleAssets/)]));
  });

  it('takes a domain of your own with TLS 1.2 only, a WAF web ACL, or no console at all', () => {
    const custom = synth({ consoleDomain: { name: 'sync.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' }, consoleWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/synctrail/1' }).template;
    custom.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['sync.example.com'],
        ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021', AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' }),
        WebACLId: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/synctrail/1',
      }),
    });
    custom.hasOutput('ConsoleUrl', { Value: 'https://sync.example.com' });
    synth({ console: false }).template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    // With a bring-your-own bucket, SyncTrail's own buckets still log to the stack's log bucket.
    const byo = synth({ existingBucketName: 'acme-sync-logs' }).template;
    byo.hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({ Logging: Match.objectLike({ Bucket: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StorageAccessLogs'), 'RegionalDomainName'] } }) }) });
    byo.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^StorageAccessLogs') }, LogFilePrefix: 'athena-results/' } });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  // Every context variant the README documents for `cdk deploy` (infra/app.ts maps -c values to these).
  it.each<[string, SyncTrailStackProps]>([
    ['default', {}],
    ['-c bucketName (bring your own bucket)', { existingBucketName: 'acme-sync-logs' }],
    ['-c console=false', { console: false }],
    ['-c consoleDomainName and consoleCertificateArn', { consoleDomain: { name: 'sync.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' } }],
    ['-c consoleWebAclArn (WAF)', { consoleWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/synctrail/1' }],
  ])('passes for %s, every acknowledgement carrying a reason', (_variant, props) => {
    const { app, stack } = build(props);
    applyNagSuppressions(stack, stack.storage, stack.console, stack.analytics);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('fails without the acknowledgements: the check really runs', () => {
    const { app } = build();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      expect(() => app.synth()).toThrow(/AwsSolutions-APIG4/);
    } finally {
      process.exitCode = 0; // the validator also marks the process failed
    }
  });
});
