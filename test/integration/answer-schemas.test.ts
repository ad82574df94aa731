/**
 * Real answers of the local stack against each route's answer schema (shared/http/answers):
 * a presenter that drifts from its schema fails here, not in a client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ANSWERS } from '#http/answers/index.ts';
import { apiClient, ROOT_KEY, startTestStack, type Api, type ApiResult, type TestStack } from '../support/local-stack.ts';

type Fn = keyof typeof ROUTE_ANSWERS;

describe('answers match their schemas', () => {
  let stack: TestStack;
  let api: Api;
  const checked = new Set<Fn>();
  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
  });
  afterAll(async () => {
    await stack.stop();
  });

  function expectAnswer(fn: Fn, result: ApiResult) {
    const schema = (ROUTE_ANSWERS[fn] as Record<number, { safeParse: (v: unknown) => { success: boolean; error?: { issues: unknown[] } } }>)[result.status];
    expect(schema, `${fn} answered ${result.status}: ${JSON.stringify(result.body).slice(0, 300)}`).toBeDefined();
    const parsed = schema!.safeParse(result.body);
    expect(parsed.error?.issues ?? [], fn).toEqual([]);
    checked.add(fn);
  }

  it('for the routes a run goes through', async () => {
    const org = await api.post('/v1/orgs', ROOT_KEY, { orgId: 'answers', name: 'Answers' });
    expectAnswer('admin/create-org', org);
    const admin = org.body.adminKey as string;
    const minted = await api.post('/v1/keys', admin, { scopes: ['ingest', 'read'], label: 'producer' });
    expectAnswer('admin/create-key', minted);
    const key = minted.body.key as string;
    const spare = await api.post('/v1/keys', admin, { scopes: ['read'] });
    expectAnswer('admin/revoke-key', await api.del(`/v1/keys/${spare.body.keyId}`, admin));

    const sync = { name: 'S', syncType: 'audience', operation: 'upsert', source: { id: 's', type: 't', name: 'n' }, destination: { id: 'd', name: 'D', connectionType: 'Meta Ads' }, instance: 'prod' };
    expectAnswer('ingest/put-sync', await api.put('/v1/syncs/s1', key, sync));
    expectAnswer('ingest/put-sync', await api.put('/v1/syncs/s1', key, sync));
    expectAnswer('ingest/start-run', await api.post('/v1/syncs/s1/runs', key, { runId: 'r1' }));
    const batch = {
      batchType: 'records_updated',
      batchNumber: 0,
      startedAt: '2026-11-23T06:00:00Z',
      endedAt: '2026-11-23T06:00:04Z',
      records: [
        { identifier: 'a', payload: { x: 1 }, status: 'succeeded' },
        { identifier: 'b', payload: { x: 2 }, status: 'rejected', statusMessage: 'Invalid email' },
      ],
    };
    expectAnswer('ingest/post-batch', await api.post('/v1/runs/r1/batches', key, batch));
    await api.post('/v1/syncs/s1/runs', key, { runId: 'r2' });
    expectAnswer('ingest/request-upload', await api.post('/v1/runs/r2/uploads', key, { batchType: 'records_updated', batchNumber: 1, startedAt: '2026-11-23T06:00:05Z', endedAt: '2026-11-23T06:00:06Z' }));
    expectAnswer('ingest/complete-run', await api.post('/v1/runs/r1/complete', key, {}));

    expectAnswer('query/get-run', await api.get('/v1/runs/r1', key));
    expectAnswer('query/list-runs', await api.get('/v1/runs', key));
    expectAnswer('query/list-batches', await api.get('/v1/runs/r1/batches', key));
    expectAnswer('query/list-records', await api.get('/v1/runs/r1/records', key));
    expectAnswer('query/get-run-errors', await api.get('/v1/runs/r1/errors', key));
    expectAnswer('query/list-syncs', await api.get('/v1/syncs', key));
    expectAnswer('query/get-sync', await api.get('/v1/syncs/s1', key));
    expectAnswer('query/get-watermark', await api.get('/v1/syncs/s1/watermark', key));
    expectAnswer('query/list-destinations', await api.get('/v1/destinations', key));
    expectAnswer('query/get-coverage', await api.get('/v1/syncs/s1/coverage', key));
    expectAnswer('query/get-identifier-timeline', await api.get('/v1/identifiers/b/timeline', key));
    expectAnswer('query/list-logs', await api.get('/v1/logs', key));
    expectAnswer('query/get-log-facets', await api.get('/v1/logs/facets', key));
    expectAnswer('query/get-stats', await api.get('/v1/stats', key));
    expectAnswer('query/list-instances', await api.get('/v1/instances', key));
    expectAnswer('query/get-instance', await api.get('/v1/instances/prod', key));
    expectAnswer('query/list-audit', await api.get('/v1/audit', key));
    expectAnswer('dlq/list-dlq', await api.get('/v1/dlq', key));
    expectAnswer('dlq/list-replays', await api.get('/v1/replays', key));
    expectAnswer('admin/put-alerts', await api.put('/v1/syncs/s1/alerts', admin, { rules: [{ type: 'run_error' }] }));
    expectAnswer('query/get-alerts', await api.get('/v1/syncs/s1/alerts', key));
    expectAnswer('webhooks/list-webhooks', await api.get('/v1/webhooks', admin));
    expectAnswer('dlq/bulk-replay-dlq', await api.post('/v1/dlq/replay', key, { filter: { syncId: 's1' }, dryRun: true }));
    expectAnswer('dlq/bulk-replay-dlq', await api.post('/v1/dlq/replay', key, { filter: { syncId: 's1' }, dryRun: false }));
    expectAnswer('dlq/bulk-discard-dlq', await api.post('/v1/dlq/discard', key, { filter: { syncId: 's1' }, dryRun: false }));
    expectAnswer('meta/get-openapi', await api.get('/v1/openapi.json'));
    expect(checked.size).toBeGreaterThanOrEqual(30);
  });
});
