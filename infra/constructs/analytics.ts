import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Effect, ManagedPolicy, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { syncLogStorage } from '#adapters/glue-partitions.ts';
import { FACT_COLUMNS, FACT_TABLES } from '#domain/fact-tables.ts';
import { SYNC_LOG_MANIFESTS } from '#domain/tracking-row.ts';

export const SQL_DIR = join(import.meta.dirname, '..', 'sql');
/** What Athena reads in the tracking bucket: the tables' manifests and the files they name. */
export const ANALYST_PREFIXES = ['sync_tracking_datasets/', 'metadata/', 'athena/fact-manifests/', SYNC_LOG_MANIFESTS] as const;
/** The objects among them an analyst reads: manifests, and the parquet files they name. */
export const ANALYST_OBJECTS = ['sync_tracking_datasets/*.parquet', 'metadata/*.parquet', 'athena/fact-manifests/*', `${SYNC_LOG_MANIFESTS}*`] as const;
export const SYNC_LOG_TABLE = 'sync_log';
/** Partition keys of `sync_log`: the run folder's path segments (not column names: those exist in the files). */
export const SYNC_LOG_PARTITION_KEYS = ['org', 'sync_id', 'run_id'] as const;

export interface AnalyticsProps {
  readonly bucket: IBucket;
  readonly accessLogs: IBucket;
  /** Athena cancels a query of this workgroup once it has scanned this much. */
  readonly bytesScannedCutoffPerQuery: number;
}

/**
 * Athena over the tracking data: a Glue database with `sync_log` (partitioned by org, sync
 * and run, registered as runs start) and Sync Tracking's three fact tables, a workgroup that
 * enforces its result location, encryption and a scan cutoff, and the named queries kept
 * as `.sql` files in `infra/sql/`.
 */
export class Analytics extends Construct {
  readonly databaseName: string;
  readonly workGroupName: string;
  readonly results: Bucket;
  /** Attach to analysts' roles or users: query in the workgroup, read the tables and the objects they name. */
  readonly analystPolicy: ManagedPolicy;
  private readonly stack: Stack;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    this.stack = Stack.of(this);
    this.databaseName = `synctrail_${this.stack.stackName.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
    const database = new CfnDatabase(this, 'Database', {
      catalogId: this.stack.account,
      databaseInput: { name: this.databaseName, description: 'SyncTrail row-level sync logs and fact tables' },
    });
    const bucketUrl = `s3://${props.bucket.bucketName}`;

    const syncLog = new CfnTable(this, 'SyncLogTable', {
      catalogId: this.stack.account,
      databaseName: this.databaseName,
      tableInput: {
        name: SYNC_LOG_TABLE,
        description: 'One row per record per run (the Sync Tracking synced records logs), read through one manifest per counted batch; partitions are registered as runs start',
        tableType: 'EXTERNAL_TABLE',
        parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
        partitionKeys: SYNC_LOG_PARTITION_KEYS.map((name) => ({ name, type: 'string' })),
        // A symlink table: partitions are the runs' manifest folders, whose manifests name only
        // parquet files (the run folder also holds metadata.json, which Athena would read).
        storageDescriptor: lowerKeys(syncLogStorage(`${bucketUrl}/${SYNC_LOG_MANIFESTS}`)),
      },
    });
    syncLog.addResourceDependency(database);

    for (const table of FACT_TABLES) {
      const fact = new CfnTable(this, `${table}Table`, {
        catalogId: this.stack.account,
        databaseName: this.databaseName,
        tableInput: {
          name: table,
          description: `Sync Tracking fact table, rewritten every six hours from metadata/ORG/${table}.parquet`,
          tableType: 'EXTERNAL_TABLE',
          parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
          storageDescriptor: {
            // Each org's file sits beside the other fact files, so the table reads it through a
            // symlink manifest (written with the file) instead of a folder of its own.
            location: `${bucketUrl}/athena/fact-manifests/${table}/`,
            inputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
            columns: (FACT_COLUMNS[table] as readonly string[]).map((name) => ({ name, type: 'string' })),
          },
        },
      });
      fact.addResourceDependency(database);
    }

    this.results = new Bucket(this, 'Results', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [{ expiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.workGroupName = `synctrail-${this.stack.stackName}`.toLowerCase();
    const workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'SyncTrail analysts: results and encryption enforced, scans capped',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        resultConfiguration: {
          outputLocation: `s3://${this.results.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      },
    });

    // Athena reads with the querying analyst's own credentials: the manifests and the files
    // they name (not the rest of the bucket), the catalogue, and the workgroup's results.
    const glueArn = (resource: string, resourceName?: string) => this.stack.formatArn({ service: 'glue', resource, ...(resourceName ? { resourceName } : {}) });
    this.analystPolicy = new ManagedPolicy(this, 'AnalystPolicy', {
      description: 'SyncTrail analysts: Athena queries in the SyncTrail workgroup over sync_log and the fact tables',
      statements: [
        new PolicyStatement({
          actions: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:GetWorkGroup', 'athena:ListNamedQueries', 'athena:GetNamedQuery', 'athena:BatchGetNamedQuery'],
          resources: [this.stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName })],
        }),
        new PolicyStatement({
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
          resources: [glueArn('catalog'), glueArn('database', this.databaseName), ...[SYNC_LOG_TABLE, ...FACT_TABLES].map((table) => glueArn('table', `${this.databaseName}/${table}`))],
        }),
        // The parquet files only: not metadata.json beside them.
        new PolicyStatement({ actions: ['s3:GetObject'], resources: ANALYST_OBJECTS.map((pattern) => props.bucket.arnForObjects(pattern)) }),
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': ANALYST_PREFIXES.map((prefix) => `${prefix}*`) } } }),
        new PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucket'], resources: [this.results.bucketArn] }),
        new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], resources: [this.results.arnForObjects('*')] }),
      ],
    });
    new CfnOutput(this.stack, 'AnalystPolicyArn', { value: this.analystPolicy.managedPolicyArn, description: 'Attach to analysts: Athena over sync_log and the fact tables' });
    // What `synctrail sql --athena` needs (--workgroup, --database).
    new CfnOutput(this.stack, 'AthenaWorkGroup', { value: this.workGroupName, description: 'Athena workgroup for analysts (synctrail sql --athena --workgroup)' });
    new CfnOutput(this.stack, 'AthenaDatabase', { value: this.databaseName, description: 'Glue database of sync_log and the fact tables (synctrail sql --athena --database)' });

    for (const file of readdirSync(SQL_DIR).filter((f) => f.endsWith('.sql')).sort()) {
      const sql = readFileSync(join(SQL_DIR, file), 'utf8');
      const query = new CfnNamedQuery(this, `Query-${file}`, {
        name: `synctrail: ${file.replace(/\.sql$/, '').replace(/-/g, ' ')}`,
        description: sql.split('\n').find((l) => l.startsWith('--'))?.replace(/^--\s*/, '') ?? file,
        database: this.databaseName,
        workGroup: this.workGroupName,
        queryString: sql,
      });
      query.addResourceDependency(workGroup);
      query.addResourceDependency(database);
    }
  }

  /** Lets a function register `sync_log` partitions (the functions that start runs). */
  grantRegisterPartitions(grantee: IGrantable): void {
    this.grantSyncLogPartitions(grantee, ['glue:CreatePartition', 'glue:GetTable', 'glue:GetPartition']);
  }

  /** Lets a function list `sync_log`'s partitions and delete them (the fact-table job, managed bucket only). */
  grantDropPartitions(grantee: IGrantable): void {
    this.grantSyncLogPartitions(grantee, ['glue:GetPartitions', 'glue:BatchDeletePartition']);
  }

  /** Glue authorizes partition calls on the catalog, the database and the table: exactly those three. */
  private grantSyncLogPartitions(grantee: IGrantable, actions: string[]): void {
    const arn = (resource: string) => this.stack.formatArn({ service: 'glue', resource, resourceName: resource === 'catalog' ? undefined : resource === 'database' ? this.databaseName : `${this.databaseName}/${SYNC_LOG_TABLE}` });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions,
        resources: [`arn:${this.stack.partition}:glue:${this.stack.region}:${this.stack.account}:catalog`, arn('database'), arn('table')],
      }),
    );
  }
}

/** Glue's SDK shape (PascalCase) as CloudFormation's (camelCase), so both share one definition. */
function lowerKeys(value: unknown): any { // eslint-disable-line @typescript-eslint/no-explicit-any -- CloudFormation's property types are what the caller asserts
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), lowerKeys(v)]));
  }
  return value;
}
