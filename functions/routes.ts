/**
 * Every API route and the function that serves it: local mode routes requests from this
 * table, and the CDK app makes one Lambda function per entry. `access` says what the
 * function may do to storage: query functions are granted read only.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Handler module under `functions/`, without extension. */
  fn: string;
  /** One line for the OpenAPI document. */
  summary: string;
  access: 'read' | 'readWrite';
  /** Success statuses when not just 200 (201 for what it creates). */
  success?: readonly number[];
  /** Content types of a non-JSON answer. */
  produces?: readonly string[];
  /**
   * Beyond table and bucket: registering Glue partitions, putting events on the bus, signing
   * upload URLs, finishing batches left in flight (whether their files and upload objects
   * exist, and a request on the bus to convert an upload again), writing the Athena manifests
   * of counted batches.
   */
  needs?: ReadonlyArray<'partitions' | 'events' | 'uploads' | 'recovery' | 'manifests'>;
}

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/orgs', fn: 'admin/create-org', success: [201], summary: 'Create an org (root key only); answers its admin key, shown once', access: 'readWrite' },
  { method: 'POST', path: '/v1/keys', fn: 'admin/create-key', success: [201], summary: 'Mint an API key with scopes; the key is shown once', access: 'readWrite' },
  { method: 'DELETE', path: '/v1/keys/{keyId}', fn: 'admin/revoke-key', summary: 'Revoke an API key', access: 'readWrite' },
  { method: 'POST', path: '/v1/webhooks', fn: 'webhooks/create-webhook', success: [201], summary: 'Add a webhook; answers its signing secret, shown once', access: 'readWrite' },
  { method: 'GET', path: '/v1/webhooks', fn: 'webhooks/list-webhooks', summary: 'The org webhooks (without secrets)', access: 'read' },
  { method: 'DELETE', path: '/v1/webhooks/{webhookId}', fn: 'webhooks/delete-webhook', summary: 'Remove a webhook', access: 'readWrite' },
  { method: 'POST', path: '/v1/webhooks/{webhookId}/test', fn: 'webhooks/test-webhook', summary: 'Send a signed test event now; answers the delivery', access: 'readWrite' },
  { method: 'GET', path: '/v1/webhooks/{webhookId}/deliveries', fn: 'webhooks/list-deliveries', summary: 'The delivery log of a webhook, newest first', access: 'read' },
  { method: 'PUT', path: '/v1/syncs/{syncId}/alerts', fn: 'admin/put-alerts', summary: 'Replace the alert rules of a sync', access: 'readWrite' },
  { method: 'GET', path: '/v1/syncs/{syncId}/alerts', fn: 'query/get-alerts', summary: 'The alert rules of a sync and whether each is firing', access: 'read' },
  { method: 'PUT', path: '/v1/syncs/{syncId}', fn: 'ingest/put-sync', success: [200, 201], summary: 'Create or replace a sync configuration', access: 'readWrite' },
  { method: 'POST', path: '/v1/syncs/{syncId}/runs', fn: 'ingest/start-run', success: [200, 201], summary: 'Start a run of a sync (idempotent on runId)', access: 'readWrite', needs: ['partitions', 'events'] },
  { method: 'POST', path: '/v1/runs/{runId}/batches', fn: 'ingest/post-batch', summary: 'Record a batch of record outcomes (at most 5 MiB inline)', access: 'readWrite' , needs: ['manifests'] },
  { method: 'POST', path: '/v1/runs/{runId}/complete', fn: 'ingest/complete-run', summary: 'Complete a run (idempotent): final status, counters and watermark; batches left in flight are rolled forward first', access: 'readWrite', needs: ['events', 'recovery', 'manifests'] },
  { method: 'POST', path: '/v1/lineage', fn: 'ingest/post-lineage', summary: 'An OpenLineage run event (START, RUNNING, COMPLETE, FAIL, ABORT), mapped onto a sync and a run', access: 'readWrite', needs: ['partitions', 'events', 'recovery', 'manifests'] },
  { method: 'POST', path: '/v1/runs/{runId}/uploads', fn: 'ingest/request-upload', success: [200, 201], summary: 'A pre-signed PUT URL for a large batch as NDJSON', access: 'readWrite', needs: ['uploads', 'recovery', 'manifests'] },
  { method: 'GET', path: '/v1/runs/{runId}/batches', fn: 'query/list-batches', summary: 'The batches of a run and their state (pending, done, failed)', access: 'read' },
  { method: 'GET', path: '/v1/syncs', fn: 'query/list-syncs', summary: 'Syncs with their destination status and watermark', access: 'read' },
  { method: 'GET', path: '/v1/syncs/{syncId}', fn: 'query/get-sync', summary: 'One sync', access: 'read' },
  { method: 'GET', path: '/v1/syncs/{syncId}/watermark', fn: 'query/get-watermark', summary: 'The watermark of a signal sync', access: 'read' },
  { method: 'GET', path: '/v1/runs', fn: 'query/list-runs', summary: 'Sync History, newest first', access: 'read' },
  { method: 'GET', path: '/v1/runs/{runId}', fn: 'query/get-run', summary: 'One run with counters, coverage rate and batches', access: 'read' },
  { method: 'GET', path: '/v1/destinations', fn: 'query/list-destinations', summary: 'The current destination status of each sync', access: 'read' },
  { method: 'GET', path: '/v1/runs/{runId}/records', fn: 'query/list-records', summary: 'The records of a run, filtered and paginated', access: 'read' },
  { method: 'GET', path: '/v1/runs/{runId}/records/export', fn: 'query/export-records', produces: ['text/csv', 'application/x-ndjson'], summary: 'A CSV or NDJSON sample of the records of a run', access: 'read' },
  { method: 'GET', path: '/v1/runs/{runId}/errors', fn: 'query/get-run-errors', summary: 'The failures of a run grouped by message, categorized', access: 'read' },
  { method: 'GET', path: '/v1/syncs/{syncId}/coverage', fn: 'query/get-coverage', summary: 'Coverage over the last runs of a sync, and the low-coverage flag', access: 'read' },
  { method: 'GET', path: '/v1/identifiers/{identifier}/timeline', fn: 'query/get-identifier-timeline', summary: 'One record across runs, syncs and destinations, newest first', access: 'read' },
  { method: 'GET', path: '/v1/logs', fn: 'query/list-logs', summary: 'Sync Logs: per-record rows across runs', access: 'read' },
  { method: 'GET', path: '/v1/logs/facets', fn: 'query/get-log-facets', summary: 'Instances and entity types, for the Sync Logs filters', access: 'read' },
  { method: 'GET', path: '/v1/stats', fn: 'query/get-stats', summary: 'The five Sync Logs stat cards', access: 'read' },
  { method: 'GET', path: '/v1/instances', fn: 'query/list-instances', summary: 'Runs grouped per instance', access: 'read' },
  { method: 'GET', path: '/v1/instances/{instance}', fn: 'query/get-instance', summary: 'The totals and runs of one instance', access: 'read' },
  { method: 'GET', path: '/v1/audit', fn: 'query/list-audit', summary: 'The audit log', access: 'read' },
  { method: 'GET', path: '/v1/dlq', fn: 'dlq/list-dlq', summary: 'Dead-lettered records', access: 'read' },
  { method: 'GET', path: '/v1/dlq/{itemId}', fn: 'dlq/get-dlq-item', summary: 'One dead-lettered record with its whole payload', access: 'read' },
  { method: 'POST', path: '/v1/dlq/{itemId}/replay', fn: 'dlq/replay-dlq-item', summary: 'Replay a dead-lettered record (emits a replay event)', access: 'readWrite', needs: ['events'] },
  { method: 'POST', path: '/v1/dlq/{itemId}/discard', fn: 'dlq/discard-dlq-item', summary: 'Discard a dead-lettered record', access: 'readWrite' },
  { method: 'GET', path: '/v1/openapi.json', fn: 'meta/get-openapi', summary: 'This API as an OpenAPI 3.1 document (no key needed)', access: 'read' },
  { method: 'GET', path: '/v1/replays', fn: 'dlq/list-replays', summary: 'Replay events for the producer', access: 'read' },
];
