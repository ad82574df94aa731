/**
 * Every API route, the handler module that serves it, the API function it belongs to and its
 * request contract (`spec`: scope, zod schemas of path, query and body, limits): the one
 * registry. Local mode routes requests from this table; the CDK app makes one Lambda function
 * per API concern (`functions/api/<api>.ts`), whose router dispatches on the route key, and one
 * API Gateway route per entry; each handler validates with its entry's spec (`specOf`), and the
 * OpenAPI document, the typed client and docs/api.md are generated from the same entries.
 *
 * The CDK app and local mode import this module: it imports schemas (from the domain and
 * `shared/http/schemas.ts`) and types, never a handler module, an adapter or the AWS SDK.
 */
import { alertRulesSchema } from '#domain/alerts.ts';
import { auditQuerySchema } from '#domain/audit-entity.ts';
import { batchRequestSchema } from '#domain/batch.ts';
import { dlqBulkRequestSchema, dlqQuerySchema } from '#domain/dlq-entity.ts';
import { replaysQuerySchema } from '#domain/dlq.ts';
import { identifierPath, timelineQuerySchema } from '#domain/identifier-timeline.ts';
import { createKeyRequestSchema, createOrgRequestSchema } from '#domain/keys.ts';
import { lineageEventSchema } from '#domain/openlineage.ts';
import { exportQuerySchema, recordsQuerySchema } from '#domain/records.ts';
import { facetsQuerySchema, instancePath, instanceRunsQuerySchema, statsQuerySchema } from '#domain/rollups.ts';
import { diffQuerySchema, diffRecordsQuerySchema } from '#domain/run-diff.ts';
import { completeRunRequestSchema, runQuerySchema, startRunRequestSchema } from '#domain/run-schemas.ts';
import { logsQuerySchema } from '#domain/sync-logs.ts';
import { syncConfigSchema } from '#domain/sync-entity.ts';
import { uploadRequestSchema } from '#domain/uploads.ts';
import { webhookPath } from '#domain/webhook-entity.ts';
import { createWebhookSchema, deliveriesQuerySchema } from '#domain/webhooks.ts';
import type { AnyRouteSpec } from '#http/api-handler.ts';
import { dlqItemPath, keyPath, pageQuery, runPath, syncPath } from '#http/schemas.ts';

/**
 * The API functions, one per concern. Query only reads (its role cannot write the table or
 * the bucket); ingest takes what producers send; admin manages orgs, keys, webhooks, alert
 * rules and dead letters.
 */
export const API_NAMES = ['ingest', 'query', 'admin'] as const;
export type ApiName = (typeof API_NAMES)[number];

/**
 * What each API function may do to the table and to the row-level files (`sync_tracking_datasets/`).
 * Only ingest writes files; admin reads them (a replay takes the whole record from its file).
 */
export const API_ACCESS: Record<ApiName, { table: 'read' | 'readWrite'; files: 'read' | 'readWrite' }> = {
  ingest: { table: 'readWrite', files: 'readWrite' },
  query: { table: 'read', files: 'read' },
  admin: { table: 'readWrite', files: 'read' },
};

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Handler module under `functions/`, without extension. */
  fn: string;
  /** The API function that serves it. */
  api: ApiName;
  /** One line for the OpenAPI document. */
  summary: string;
  /** Success statuses when not just 200 (201 for what it creates). */
  success?: readonly number[];
  /** Content types of a non-JSON answer. */
  produces?: readonly string[];
  /**
   * Beyond table and bucket: registering Glue partitions, putting events on the bus, signing
   * upload URLs, finishing batches left in flight (whether their files and upload objects
   * exist, and a request on the bus to convert an upload again), writing the Athena manifests
   * of counted batches, reading run digests (run diffs). An API function is granted what any of its routes needs.
   */
  needs?: ReadonlyArray<'partitions' | 'events' | 'uploads' | 'recovery' | 'manifests' | 'digests'>;
  /**
   * What the route takes, checked before its handler runs (`apiHandler`): the scope a key
   * needs (`root` for the deployment's root key), the zod schemas of path parameters, query and
   * body, and body limits. Absent only where no key is asked for (the OpenAPI document).
   */
  spec?: AnyRouteSpec;
}

/**
 * Lambda takes at most 6 MB per synchronous invocation, event envelope included; 5 MiB of
 * body leaves room for it. Larger batches go through a pre-signed upload.
 */
export const INLINE_BATCH_MAX_BYTES = 5 * 1024 * 1024;

/** Facets (schemas, SQL, column lineage) can be large; an OpenLineage run event is still far below this. */
export const LINEAGE_MAX_BYTES = 1024 * 1024;

/**
 * The table with its literal types, so each API's router can be checked for completeness and
 * each handler (and the typed client) gets the body, query and params types of its route's spec.
 */
const ROUTE_TABLE = [
  { method: 'POST', path: '/v1/orgs', fn: 'admin/create-org', api: 'admin', success: [201], summary: 'Create an org (root key only); answers its admin key, shown once', spec: { auth: 'root', body: createOrgRequestSchema } },
  { method: 'POST', path: '/v1/keys', fn: 'admin/create-key', api: 'admin', success: [201], summary: 'Mint an API key with scopes; the key is shown once', spec: { auth: 'admin', body: createKeyRequestSchema } },
  { method: 'DELETE', path: '/v1/keys/{keyId}', fn: 'admin/revoke-key', api: 'admin', summary: 'Revoke an API key', spec: { auth: 'admin', params: keyPath } },
  { method: 'POST', path: '/v1/webhooks', fn: 'webhooks/create-webhook', api: 'admin', success: [201], summary: 'Add a webhook: signed SyncTrail events, Slack messages or PagerDuty events; a signed one answers its secret, shown once', spec: { auth: 'admin', body: createWebhookSchema } },
  { method: 'GET', path: '/v1/webhooks', fn: 'webhooks/list-webhooks', api: 'query', summary: 'The org webhooks (without secrets or routing keys)', spec: { auth: 'admin' } },
  { method: 'DELETE', path: '/v1/webhooks/{webhookId}', fn: 'webhooks/delete-webhook', api: 'admin', summary: 'Remove a webhook', spec: { auth: 'admin', params: webhookPath } },
  { method: 'POST', path: '/v1/webhooks/{webhookId}/test', fn: 'webhooks/test-webhook', api: 'admin', summary: 'Send a test event now, in the webhook format; answers the first attempt and queues any retries', needs: ['events'], spec: { auth: 'admin', params: webhookPath } },
  { method: 'GET', path: '/v1/webhooks/{webhookId}/deliveries', fn: 'webhooks/list-deliveries', api: 'query', summary: 'The delivery log of a webhook, newest first', spec: { auth: 'admin', params: webhookPath, query: deliveriesQuerySchema } },
  { method: 'PUT', path: '/v1/syncs/{syncId}/alerts', fn: 'admin/put-alerts', api: 'admin', summary: 'Replace the alert rules of a sync and judge each at once (a rule set on a broken sync fires)', needs: ['events'], spec: { auth: 'admin', params: syncPath, body: alertRulesSchema } },
  { method: 'GET', path: '/v1/syncs/{syncId}/alerts', fn: 'query/get-alerts', api: 'query', summary: 'The alert rules of a sync and whether each is firing', spec: { auth: 'read', params: syncPath } },
  { method: 'PUT', path: '/v1/syncs/{syncId}', fn: 'ingest/put-sync', api: 'ingest', success: [200, 201], summary: 'Create or replace a sync configuration', spec: { auth: 'ingest', params: syncPath, body: syncConfigSchema } },
  { method: 'POST', path: '/v1/syncs/{syncId}/runs', fn: 'ingest/start-run', api: 'ingest', success: [200, 201], summary: 'Start a run of a sync (idempotent on runId)', needs: ['partitions', 'events'], spec: { auth: 'ingest', params: syncPath, body: startRunRequestSchema, bodyOptional: true } },
  {
    method: 'POST',
    path: '/v1/runs/{runId}/batches',
    fn: 'ingest/post-batch',
    api: 'ingest',
    summary: 'Record a batch of record outcomes (at most 5 MiB inline)',
    needs: ['manifests'],
    spec: {
      auth: 'ingest',
      params: runPath,
      body: batchRequestSchema,
      maxBodyBytes: INLINE_BATCH_MAX_BYTES,
      tooLargeHint: (event) => {
        const uploads = `/v1/runs/${event.pathParameters?.runId ?? '{runId}'}/uploads`;
        return {
          message: `an inline batch may be at most ${INLINE_BATCH_MAX_BYTES} bytes; send larger batches as NDJSON through POST ${uploads}`,
          details: { uploadEndpoint: uploads },
        };
      },
    },
  },
  { method: 'POST', path: '/v1/runs/{runId}/complete', fn: 'ingest/complete-run', api: 'ingest', summary: 'Complete a run (idempotent): final status, counters and watermark; batches left in flight are rolled forward first', needs: ['events', 'recovery', 'manifests'], spec: { auth: 'ingest', params: runPath, body: completeRunRequestSchema, bodyOptional: true } },
  { method: 'POST', path: '/v1/lineage', fn: 'ingest/post-lineage', api: 'ingest', summary: 'An OpenLineage run event (START, RUNNING, COMPLETE, FAIL, ABORT), mapped onto a sync and a run', needs: ['partitions', 'events', 'recovery', 'manifests'], spec: { auth: 'ingest', body: lineageEventSchema, maxBodyBytes: LINEAGE_MAX_BYTES } },
  { method: 'POST', path: '/v1/runs/{runId}/uploads', fn: 'ingest/request-upload', api: 'ingest', success: [200, 201], summary: 'A pre-signed PUT URL for a large batch as NDJSON', needs: ['uploads', 'recovery', 'manifests'], spec: { auth: 'ingest', params: runPath, body: uploadRequestSchema } },
  { method: 'GET', path: '/v1/runs/{runId}/batches', fn: 'query/list-batches', api: 'query', summary: 'The batches of a run and their state (pending, done, failed)', spec: { auth: 'read', params: runPath } },
  { method: 'GET', path: '/v1/syncs', fn: 'query/list-syncs', api: 'query', summary: 'Syncs with their destination status and watermark', spec: { auth: 'read', query: pageQuery } },
  { method: 'GET', path: '/v1/syncs/{syncId}', fn: 'query/get-sync', api: 'query', summary: 'One sync', spec: { auth: 'read', params: syncPath } },
  { method: 'GET', path: '/v1/syncs/{syncId}/watermark', fn: 'query/get-watermark', api: 'query', summary: 'The watermark of a signal sync', spec: { auth: 'read', params: syncPath } },
  { method: 'GET', path: '/v1/runs', fn: 'query/list-runs', api: 'query', summary: 'Sync History, newest first', spec: { auth: 'read', query: runQuerySchema } },
  { method: 'GET', path: '/v1/runs/{runId}', fn: 'query/get-run', api: 'query', summary: 'One run with counters, coverage rate and batches', spec: { auth: 'read', params: runPath } },
  { method: 'GET', path: '/v1/destinations', fn: 'query/list-destinations', api: 'query', summary: 'The current destination status of each sync', spec: { auth: 'read', query: pageQuery } },
  { method: 'GET', path: '/v1/runs/{runId}/records', fn: 'query/list-records', api: 'query', summary: 'The records of a run, filtered and paginated', spec: { auth: 'read', params: runPath, query: recordsQuerySchema } },
  { method: 'GET', path: '/v1/runs/{runId}/records/export', fn: 'query/export-records', api: 'query', produces: ['text/csv', 'application/x-ndjson'], summary: 'A CSV or NDJSON sample of the records of a run', spec: { auth: 'read', params: runPath, query: exportQuerySchema } },
  { method: 'GET', path: '/v1/runs/{runId}/errors', fn: 'query/get-run-errors', api: 'query', summary: 'The failures of a run grouped by message, categorized', spec: { auth: 'read', params: runPath } },
  { method: 'GET', path: '/v1/runs/{runId}/diff', fn: 'query/get-run-diff', api: 'query', summary: 'Identifiers added, removed and changed against another run (default: the previous one)', needs: ['digests'], spec: { auth: 'read', params: runPath, query: diffQuerySchema } },
  { method: 'GET', path: '/v1/runs/{runId}/diff/records', fn: 'query/list-run-diff-records', api: 'query', summary: 'The identifiers of one kind of a run diff, paginated', needs: ['digests'], spec: { auth: 'read', params: runPath, query: diffRecordsQuerySchema } },
  { method: 'GET', path: '/v1/syncs/{syncId}/coverage', fn: 'query/get-coverage', api: 'query', summary: 'Coverage over the last runs of a sync, and the low-coverage flag', spec: { auth: 'read', params: syncPath } },
  { method: 'GET', path: '/v1/identifiers/{identifier}/timeline', fn: 'query/get-identifier-timeline', api: 'query', summary: 'One record across runs, syncs and destinations, newest first', spec: { auth: 'read', params: identifierPath, query: timelineQuerySchema } },
  { method: 'GET', path: '/v1/logs', fn: 'query/list-logs', api: 'query', summary: 'Sync Logs: per-record rows across runs', spec: { auth: 'read', query: logsQuerySchema } },
  { method: 'GET', path: '/v1/logs/facets', fn: 'query/get-log-facets', api: 'query', summary: 'Instances and entity types, for the Sync Logs filters', spec: { auth: 'read', query: facetsQuerySchema } },
  { method: 'GET', path: '/v1/stats', fn: 'query/get-stats', api: 'query', summary: 'The five Sync Logs stat cards', spec: { auth: 'read', query: statsQuerySchema } },
  { method: 'GET', path: '/v1/instances', fn: 'query/list-instances', api: 'query', summary: 'Runs grouped per instance', spec: { auth: 'read' } },
  { method: 'GET', path: '/v1/instances/{instance}', fn: 'query/get-instance', api: 'query', summary: 'The totals and runs of one instance', spec: { auth: 'read', params: instancePath, query: instanceRunsQuerySchema } },
  { method: 'GET', path: '/v1/audit', fn: 'query/list-audit', api: 'query', summary: 'The audit log', spec: { auth: 'read', query: auditQuerySchema } },
  { method: 'GET', path: '/v1/dlq', fn: 'dlq/list-dlq', api: 'query', summary: 'Dead-lettered records', spec: { auth: 'read', query: dlqQuerySchema } },
  { method: 'GET', path: '/v1/dlq/{itemId}', fn: 'dlq/get-dlq-item', api: 'query', summary: 'One dead-lettered record with its whole payload', spec: { auth: 'read', params: dlqItemPath } },
  { method: 'POST', path: '/v1/dlq/{itemId}/replay', fn: 'dlq/replay-dlq-item', api: 'admin', summary: 'Replay a dead-lettered record (emits a replay event)', needs: ['events'], spec: { auth: 'ingest', params: dlqItemPath } },
  { method: 'POST', path: '/v1/dlq/{itemId}/discard', fn: 'dlq/discard-dlq-item', api: 'admin', summary: 'Discard a dead-lettered record', spec: { auth: 'ingest', params: dlqItemPath } },
  { method: 'POST', path: '/v1/dlq/replay', fn: 'dlq/bulk-replay-dlq', api: 'admin', summary: 'Replay the pending dead-lettered records a filter matches, at most 1,000 a request (or count them: dryRun)', needs: ['events'], spec: { auth: 'ingest', body: dlqBulkRequestSchema } },
  { method: 'POST', path: '/v1/dlq/discard', fn: 'dlq/bulk-discard-dlq', api: 'admin', summary: 'Discard the pending dead-lettered records a filter matches, at most 1,000 a request (or count them: dryRun)', spec: { auth: 'ingest', body: dlqBulkRequestSchema } },
  { method: 'GET', path: '/v1/openapi.json', fn: 'meta/get-openapi', api: 'query', summary: 'This API as an OpenAPI 3.1 document (no key needed)' },
  { method: 'GET', path: '/v1/replays', fn: 'dlq/list-replays', api: 'query', summary: 'Replay events for the producer', spec: { auth: 'read', query: replaysQuerySchema } },
] as const satisfies readonly Route[];

export const ROUTES: readonly Route[] = ROUTE_TABLE;

type RouteEntry = (typeof ROUTE_TABLE)[number];

/** The handler modules an API function serves: its router must have a handler for each. */
export type RouteFn<A extends ApiName = ApiName> = Extract<RouteEntry, { api: A }>['fn'];

/** The handler modules of the routes that take a key: every route with a spec. */
export type SpecFn = Extract<RouteEntry, { spec: object }>['fn'];

/** One route's spec with its literal types: its handler's body, query and params are typed from it. */
export type SpecOf<F extends SpecFn> = Extract<RouteEntry, { fn: F }>['spec'];

/** Each route's spec by handler module, with its literal types. */
export const ROUTE_SPEC = Object.fromEntries(ROUTE_TABLE.flatMap((route) => ('spec' in route ? [[route.fn, route.spec]] : []))) as { readonly [F in SpecFn]: SpecOf<F> };

/** The spec of one route, for its handler: `apiHandler(deps, specOf('admin/create-key'), …)`. */
export const specOf = <F extends SpecFn>(fn: F): (typeof ROUTE_SPEC)[F] => ROUTE_SPEC[fn];

/** The routes one API function serves. */
export const routesOf = (api: ApiName): readonly Route[] => ROUTES.filter((route) => route.api === api);
