import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ROUTES, type Route } from '../../functions/routes.ts';
import type { Storage } from './storage.ts';
import { allowMissingObjectChecks, bindBucket } from './grants.ts';
import { SyncTrailFunction } from './synctrail-function.ts';
import { SYNC_LOG_MANIFESTS } from '#domain/tracking-row.ts';

export interface ApiRoutesProps {
  readonly api: HttpApi;
  readonly storage: Storage;
  readonly rootKey: ISecret;
  readonly eventBus: IEventBus;
  readonly environment: Record<string, string>;
  /** Grants registering Glue partitions to the functions that start runs. */
  readonly grantPartitions: (fn: SyncTrailFunction) => void;
}

const functionId = (fn: string) =>
  fn
    .split(/[/-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/**
 * One Lambda function per route of `functions/routes.ts` with the given access: the same
 * handlers local mode calls. Read-only routes get read grants only.
 */
abstract class ApiRoutes extends Construct {
  readonly functions = new Map<string, SyncTrailFunction>();

  constructor(scope: Construct, id: string, props: ApiRoutesProps, access: Route['access']) {
    super(scope, id);
    for (const route of ROUTES.filter((r) => r.access === access)) {
      const fn = new SyncTrailFunction(this, functionId(route.fn), { fn: route.fn, environment: props.environment });
      if (access === 'readWrite') {
        props.storage.table.grantReadWriteData(fn);
        bindBucket(fn, props.storage.bucket, 'sync_tracking_datasets/', 'readWrite');
      } else {
        props.storage.table.grantReadData(fn);
        bindBucket(fn, props.storage.bucket, 'sync_tracking_datasets/', 'read');
      }
      props.rootKey.grantRead(fn);
      if (route.needs?.includes('partitions')) props.grantPartitions(fn);
      if (route.needs?.includes('events') || route.needs?.includes('recovery')) props.eventBus.grantPutEventsTo(fn);
      // Each counted batch's Athena manifest, written with its file (also when completion rolls it forward).
      if (route.needs?.includes('manifests')) bindBucket(fn, props.storage.bucket, SYNC_LOG_MANIFESTS, 'write');
      if (route.needs?.includes('recovery')) {
        // Batches left in flight: is their file there, did their upload arrive (then convert it again)?
        bindBucket(fn, props.storage.bucket, 'uploads/', 'read');
        allowMissingObjectChecks(fn, props.storage.bucket, 'uploads/');
        allowMissingObjectChecks(fn, props.storage.bucket, 'sync_tracking_datasets/');
      }
      // A pre-signed PUT carries its signer's permissions: exactly uploads/, nothing else.
      if (route.needs?.includes('uploads')) bindBucket(fn, props.storage.bucket, 'uploads/', 'write');
      props.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${functionId(route.fn)}Integration`, fn),
      });
      this.functions.set(route.fn, fn);
    }
  }
}

/** Routes that write: org and key admin, syncs, runs, batches, completion, DLQ actions. */
export class IngestApi extends ApiRoutes {
  constructor(scope: Construct, id: string, props: ApiRoutesProps) {
    super(scope, id, props, 'readWrite');
  }
}

/** Routes that only read: history, status, records, logs, stats, audit. */
export class QueryApi extends ApiRoutes {
  constructor(scope: Construct, id: string, props: ApiRoutesProps) {
    super(scope, id, props, 'read');
  }
}
