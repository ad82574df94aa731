/**
 * Every API route, the handler module that serves it and the API function it belongs to: the
 * one registry. Local mode routes requests from this table; the CDK app makes one Lambda
 * function per API concern (`functions/api/<api>.ts`), whose router dispatches on the route
 * key, and one API Gateway route per entry.
 */

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
   * of counted batches. An API function is granted what any of its routes needs.
   */
  needs?: ReadonlyArray<'partitions' | 'events' | 'uploads' | 'recovery' | 'manifests'>;
}

/** The table with its literal types, so each API's router can be checked for completeness. */
const ROUTE_TABLE = [
  { method: 'POST', path: '/v1/orgs', fn: 'admin/create-org', api: 'admin', success: [201], summary: 'Create an org (root key only); answers its admin key, shown once' },
  { method: 'POST', path: '/v1/keys', fn: 'admin/create-key', api: 'admin', success: [201], summary: 'Mint an API key with scopes; the key is shown once' },
  { method: 'DELETE', path: '/v1/keys/{keyId}', fn: 'admin/revoke-key', api: 'admin', summary: 'Revoke an API key' },
  { method: 'POST', path: '/v1/webhooks', fn: 'webhooks/create-webhook', api: 'admin', success: [201], summary: 'Add a webhook; answers its signing secret, shown once' },
  { method: 'GET', path: '/v1/webhooks', fn: 'webhooks/list-webhooks', api: 'query', summary: 'The org webhooks (without secrets)' },
  { method: 'DELETE', path: '/v1/webhooks/{webhookId}', fn: 'webhooks/delete-webhook', api: 'admin', summary: 'Remove a webhook' },
  { method: 'POST', path: '/v1/webhooks/{webhookId}/test', fn: 'webhooks/test-webhook', api: 'admin', summary: 'Send a signed test event now; answers the first attempt and queues any retries', needs: ['events'] },
  { method: 'GET', path: '/v1/webhooks/{webhookId}/deliveries', fn: 'webhooks/list-deliveries', api: 'query', summary: 'The delivery log of a webhook, newest first' },
  { method: 'PUT', path: '/v1/syncs/{syncId}/alerts', fn: 'admin/put-alerts', api: 'admin', summary: 'Replace the alert rules of a sync and judge each at once (a rule set on a broken sync fires)', needs: ['events'] },
  { method: 'GET', path: '/v1/syncs/{syncId}/alerts', fn: 'query/get-alerts', api: 'query', summary: 'The alert rules of a sync and whether each is firing' },
  { method: 'PUT', path: '/v1/syncs/{syncId}', fn: 'ingest/put-sync', api: 'ingest', success: [200, 201], summary: 'Create or replace a sync configuration' },
  { method: 'POST', path: '/v1/syncs/{syncId}/runs', fn: 'ingest/start-run', api: 'ingest', success: [200, 201], summary: 'Start a run of a sync (idempotent on runId)', needs: ['partitions', 'events'] },
  { method: 'POST', path: '/v1/runs/{runId}/batches', fn: 'ingest/post-batch', api: 'ingest', summary: 'Record a batch of record outcomes (at most 5 MiB inline)', needs: ['manifests'] },
  { method: 'POST', path: '/v1/runs/{runId}/complete', fn: 'ingest/complete-run', api: 'ingest', summary: 'Complete a run (idempotent): final status, counters and watermark; batches left in flight are rolled forward first', needs: ['events', 'recovery', 'manifests'] },
  { method: 'POST', path: '/v1/lineage', fn: 'ingest/post-lineage', api: 'ingest', summary: 'An OpenLineage run event (START, RUNNING, COMPLETE, FAIL, ABORT), mapped onto a sync and a run', needs: ['partitions', 'events', 'recovery', 'manifests'] },
  { method: 'POST', path: '/v1/runs/{runId}/uploads', fn: 'ingest/request-upload', api: 'ingest', success: [200, 201], summary: 'A pre-signed PUT URL for a large batch as NDJSON', needs: ['uploads', 'recovery', 'manifests'] },
  { method: 'GET', path: '/v1/runs/{runId}/batches', fn: 'query/list-batches', api: 'query', summary: 'The batches of a run and their state (pending, done, failed)' },
  { method: 'GET', path: '/v1/syncs', fn: 'query/list-syncs', api: 'query', summary: 'Syncs with their destination status and watermark' },
  { method: 'GET', path: '/v1/syncs/{syncId}', fn: 'query/get-sync', api: 'query', summary: 'One sync' },
  { method: 'GET', path: '/v1/syncs/{syncId}/watermark', fn: 'query/get-watermark', api: 'query', summary: 'The watermark of a signal sync' },
  { method: 'GET', path: '/v1/runs', fn: 'query/list-runs', api: 'query', summary: 'Sync History, newest first' },
  { method: 'GET', path: '/v1/runs/{runId}', fn: 'query/get-run', api: 'query', summary: 'One run with counters, coverage rate and batches' },
  { method: 'GET', path: '/v1/destinations', fn: 'query/list-destinations', api: 'query', summary: 'The current destination status of each sync' },
  { method: 'GET', path: '/v1/runs/{runId}/records', fn: 'query/list-records', api: 'query', summary: 'The records of a run, filtered and paginated' },
  { method: 'GET', path: '/v1/runs/{runId}/records/export', fn: 'query/export-records', api: 'query', produces: ['text/csv', 'application/x-ndjson'], summary: 'A CSV or NDJSON sample of the records of a run' },
  { method: 'GET', path: '/v1/runs/{runId}/errors', fn: 'query/get-run-errors', api: 'query', summary: 'The failures of a run grouped by message, categorized' },
  { method: 'GET', path: '/v1/syncs/{syncId}/coverage', fn: 'query/get-coverage', api: 'query', summary: 'Coverage over the last runs of a sync, and the low-coverage flag' },
  { method: 'GET', path: '/v1/identifiers/{identifier}/timeline', fn: 'query/get-identifier-timeline', api: 'query', summary: 'One record across runs, syncs and destinations, newest first' },
  { method: 'GET', path: '/v1/logs', fn: 'query/list-logs', api: 'query', summary: 'Sync Logs: per-record rows across runs' },
  { method: 'GET', path: '/v1/logs/facets', fn: 'query/get-log-facets', api: 'query', summary: 'Instances and entity types, for the Sync Logs filters' },
  { method: 'GET', path: '/v1/stats', fn: 'query/get-stats', api: 'query', summary: 'The five Sync Logs stat cards' },
  { method: 'GET', path: '/v1/instances', fn: 'query/list-instances', api: 'query', summary: 'Runs grouped per instance' },
  { method: 'GET', path: '/v1/instances/{instance}', fn: 'query/get-instance', api: 'query', summary: 'The totals and runs of one instance' },
  { method: 'GET', path: '/v1/audit', fn: 'query/list-audit', api: 'query', summary: 'The audit log' },
  { method: 'GET', path: '/v1/dlq', fn: 'dlq/list-dlq', api: 'query', summary: 'Dead-lettered records' },
  { method: 'GET', path: '/v1/dlq/{itemId}', fn: 'dlq/get-dlq-item', api: 'query', summary: 'One dead-lettered record with its whole payload' },
  { method: 'POST', path: '/v1/dlq/{itemId}/replay', fn: 'dlq/replay-dlq-item', api: 'admin', summary: 'Replay a dead-lettered record (emits a replay event)', needs: ['events'] },
  { method: 'POST', path: '/v1/dlq/{itemId}/discard', fn: 'dlq/discard-dlq-item', api: 'admin', summary: 'Discard a dead-lettered record' },
  { method: 'GET', path: '/v1/openapi.json', fn: 'meta/get-openapi', api: 'query', summary: 'This API as an OpenAPI 3.1 document (no key needed)' },
  { method: 'GET', path: '/v1/replays', fn: 'dlq/list-replays', api: 'query', summary: 'Replay events for the producer' },
] as const satisfies readonly Route[];

export const ROUTES: readonly Route[] = ROUTE_TABLE;

/** The handler modules an API function serves: its router must have a handler for each. */
export type RouteFn<A extends ApiName> = Extract<(typeof ROUTE_TABLE)[number], { api: A }>['fn'];

/** The routes one API function serves. */
export const routesOf = (api: ApiName): readonly Route[] => ROUTES.filter((route) => route.api === api);
