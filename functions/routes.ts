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
  access: 'read' | 'readWrite';
  /** Beyond table and bucket: registering Glue partitions, putting events on the bus, signing upload URLs. */
  needs?: ReadonlyArray<'partitions' | 'events' | 'uploads'>;
}

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/orgs', fn: 'admin/create-org', access: 'readWrite' },
  { method: 'POST', path: '/v1/keys', fn: 'admin/create-key', access: 'readWrite' },
  { method: 'DELETE', path: '/v1/keys/{keyId}', fn: 'admin/revoke-key', access: 'readWrite' },
  { method: 'PUT', path: '/v1/syncs/{syncId}', fn: 'ingest/put-sync', access: 'readWrite' },
  { method: 'POST', path: '/v1/syncs/{syncId}/runs', fn: 'ingest/start-run', access: 'readWrite', needs: ['partitions'] },
  { method: 'POST', path: '/v1/runs/{runId}/batches', fn: 'ingest/post-batch', access: 'readWrite' },
  { method: 'POST', path: '/v1/runs/{runId}/complete', fn: 'ingest/complete-run', access: 'readWrite' },
  { method: 'POST', path: '/v1/runs/{runId}/uploads', fn: 'ingest/request-upload', access: 'readWrite', needs: ['uploads'] },
  { method: 'GET', path: '/v1/runs/{runId}/batches', fn: 'query/list-batches', access: 'read' },
  { method: 'GET', path: '/v1/syncs', fn: 'query/list-syncs', access: 'read' },
  { method: 'GET', path: '/v1/syncs/{syncId}', fn: 'query/get-sync', access: 'read' },
  { method: 'GET', path: '/v1/syncs/{syncId}/watermark', fn: 'query/get-watermark', access: 'read' },
  { method: 'GET', path: '/v1/runs', fn: 'query/list-runs', access: 'read' },
  { method: 'GET', path: '/v1/runs/{runId}', fn: 'query/get-run', access: 'read' },
  { method: 'GET', path: '/v1/destinations', fn: 'query/list-destinations', access: 'read' },
  { method: 'GET', path: '/v1/runs/{runId}/records', fn: 'query/list-records', access: 'read' },
  { method: 'GET', path: '/v1/runs/{runId}/records/export', fn: 'query/export-records', access: 'read' },
  { method: 'GET', path: '/v1/runs/{runId}/errors', fn: 'query/get-run-errors', access: 'read' },
  { method: 'GET', path: '/v1/syncs/{syncId}/coverage', fn: 'query/get-coverage', access: 'read' },
  { method: 'GET', path: '/v1/logs', fn: 'query/list-logs', access: 'read' },
  { method: 'GET', path: '/v1/logs/facets', fn: 'query/get-log-facets', access: 'read' },
  { method: 'GET', path: '/v1/stats', fn: 'query/get-stats', access: 'read' },
  { method: 'GET', path: '/v1/instances', fn: 'query/list-instances', access: 'read' },
  { method: 'GET', path: '/v1/instances/{instance}', fn: 'query/get-instance', access: 'read' },
  { method: 'GET', path: '/v1/audit', fn: 'query/list-audit', access: 'read' },
  { method: 'GET', path: '/v1/dlq', fn: 'dlq/list-dlq', access: 'read' },
  { method: 'POST', path: '/v1/dlq/{itemId}/replay', fn: 'dlq/replay-dlq-item', access: 'readWrite', needs: ['events'] },
  { method: 'POST', path: '/v1/dlq/{itemId}/discard', fn: 'dlq/discard-dlq-item', access: 'readWrite' },
  { method: 'GET', path: '/v1/replays', fn: 'dlq/list-replays', access: 'read' },
];
