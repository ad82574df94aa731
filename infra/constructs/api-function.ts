import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { API_ACCESS, routesOf, type ApiName, type Route } from '../../functions/routes.ts';
import type { Storage } from './storage.ts';
import { allowMissingObjectChecks, bindBucket } from './grants.ts';
import { SyncTrailFunction } from './synctrail-function.ts';
import { SYNC_LOG_MANIFESTS } from '#domain/tracking-row.ts';
import { IDENTIFIER_INDEX_PREFIX } from '#domain/identifier-index.ts';
import { RUN_DIGEST_PREFIX } from '#domain/run-digest.ts';

export interface ApiFunctionProps {
  /** Which API: its routes are those of `functions/routes.ts` with this `api`. */
  readonly name: ApiName;
  readonly api: HttpApi;
  readonly storage: Storage;
  readonly rootKey: ISecret;
  readonly eventBus: IEventBus;
  readonly environment: Record<string, string>;
  /** Grants registering Glue partitions to the function whose routes start runs. */
  readonly grantPartitions: (fn: SyncTrailFunction) => void;
}

/**
 * One Lambda function for one API concern (`functions/api/<name>.ts`), serving every route of
 * `functions/routes.ts` that belongs to it, and those routes on the HTTP API. The function is
 * granted its API's access to the table and bucket (the query API reads only), plus what any of
 * its routes needs, and nothing else.
 */
export class ApiFunction extends Construct {
  readonly fn: SyncTrailFunction;
  readonly routes: readonly Route[];

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    const { name } = props;
    this.routes = routesOf(name);
    const needs = new Set(this.routes.flatMap((route) => route.needs ?? []));
    const fn = (this.fn = new SyncTrailFunction(this, 'Function', { fn: `api/${name}`, environment: props.environment }));
    const access = API_ACCESS[name];
    if (access.table === 'readWrite') props.storage.table.grantReadWriteData(fn);
    else props.storage.table.grantReadData(fn);
    bindBucket(fn, props.storage.bucket, 'sync_tracking_datasets/', access.files);
    // Each batch file's identifier index, written with it and read by lookups; a file written
    // before indexes has none, and a lookup must see 404 (not 403) to fall back to its bloom filters.
    bindBucket(fn, props.storage.bucket, IDENTIFIER_INDEX_PREFIX, access.files);
    allowMissingObjectChecks(fn, props.storage.bucket, IDENTIFIER_INDEX_PREFIX);
    props.rootKey.grantRead(fn);
    if (needs.has('partitions')) props.grantPartitions(fn);
    if (needs.has('events') || needs.has('recovery')) props.eventBus.grantPutEventsTo(fn);
    // Each counted batch's Athena manifest, written with its file (also when completion rolls it forward).
    if (needs.has('manifests')) bindBucket(fn, props.storage.bucket, SYNC_LOG_MANIFESTS, 'write');
    if (needs.has('recovery')) {
      // Batches left in flight: is their file there, did their upload arrive (then convert it again)?
      bindBucket(fn, props.storage.bucket, 'uploads/', 'read');
      allowMissingObjectChecks(fn, props.storage.bucket, 'uploads/');
      allowMissingObjectChecks(fn, props.storage.bucket, 'sync_tracking_datasets/');
    }
    // Run diffs read the runs' digests (the converter writes them); one not built yet must be a 404, not a 403.
    if (needs.has('digests')) {
      bindBucket(fn, props.storage.bucket, RUN_DIGEST_PREFIX, 'read');
      allowMissingObjectChecks(fn, props.storage.bucket, RUN_DIGEST_PREFIX);
    }
    // A pre-signed PUT carries its signer's permissions: exactly uploads/, nothing else.
    if (needs.has('uploads')) bindBucket(fn, props.storage.bucket, 'uploads/', 'write');

    // One integration and one invoke permission for all the function's routes (a permission per
    // route would be 40 resources for nothing: API Gateway only sends the routes wired to it).
    const integration = new HttpLambdaIntegration('Integration', fn, { scopePermissionToRoute: false });
    for (const route of this.routes) props.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
  }
}
