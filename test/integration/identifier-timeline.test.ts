import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_KEY, apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';

const sync = (connectionType: string, destinationId: string) => ({
  name: 'High-value customers',
  syncType: 'audience',
  operation: 'upsert',
  source: { id: 'seg-42', type: 'DataWarehouse::FilterSegmentSource', name: 'High value' },
  destination: { id: destinationId, name: `${connectionType} — Main`, connectionType },
});

describe('GET /v1/identifiers/{identifier}/timeline', () => {
  let stack: TestStack;
  let api: Api;
  let key: string;

  beforeAll(async () => {
    // Arrange: ana goes to Meta (rejected, then pushed) and Google (pushed); bob only to Meta.
    stack = await startTestStack();
    api = apiClient(stack.url);
    key = (await createOrgWithKeys(api, 'acme')).key;
    await api.put('/v1/syncs/to-meta', key, sync('Meta Ads', 'meta'));
    await api.put('/v1/syncs/to-google', key, sync('Google Ads', 'gads'));
    const post = async (syncId: string, runId: string, records: unknown[]) => {
      await api.post(`/v1/syncs/${syncId}/runs`, key, { runId });
      const batch = await api.post(`/v1/runs/${runId}/batches`, key, { batchType: 'records_updated', batchNumber: 0, startedAt: '2026-11-20T06:00:00Z', endedAt: '2026-11-20T06:00:01Z', records });
      expect(batch.status).toBe(200);
      await api.post(`/v1/runs/${runId}/complete`, key, {});
    };
    await post('to-meta', 'meta-1', [
      { identifier: 'ana@example.com', payload: { email: 'ana@example.com' }, status: 'rejected', statusMessage: 'Invalid email format' },
      { identifier: 'bob@example.com', payload: { email: 'bob@example.com' }, status: 'succeeded' },
    ]);
    await post('to-google', 'google-1', [{ identifier: 'ana@example.com', payload: { email: 'ana@example.com' }, status: 'succeeded', targetId: 'g-77' }]);
    await post('to-meta', 'meta-2', [{ identifier: 'ana@example.com', payload: { email: 'ana@example.com', fixed: true }, status: 'succeeded' }]);
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('lists one identifier across runs and destinations, newest first, with a per-destination summary', async () => {
    // Act
    const timeline = await api.get('/v1/identifiers/ana%40example.com/timeline', key);

    // Assert
    expect(timeline.status).toBe(200);
    expect(timeline.body.items.map((o: { runId: string; status: string }) => `${o.runId}:${o.status}`)).toEqual(['meta-2:succeeded', 'google-1:succeeded', 'meta-1:rejected']);
    const rejected = timeline.body.items[2];
    expect(rejected).toMatchObject({ connectionType: 'Meta Ads', statusMessage: 'Invalid email format', category: 'data', payload: { email: 'ana@example.com' } });
    expect(timeline.body.items[1]).toMatchObject({ connectionType: 'Google Ads', targetId: 'g-77', category: null });
    const meta = timeline.body.destinations.find((d: { destinationId: string }) => d.destinationId === 'meta');
    expect(meta).toMatchObject({ lastStatus: 'succeeded', lastRunId: 'meta-2', counts: { success: 1, partial: 0, failed: 1 } });
    expect(timeline.body.nextCursor).toBeNull();
  });

  it('filters by sync or destination, and knows nothing of identifiers it never saw', async () => {
    const google = await api.get('/v1/identifiers/ana%40example.com/timeline?destinationId=gads', key);
    expect(google.body.items.map((o: { runId: string }) => o.runId)).toEqual(['google-1']);
    const bob = await api.get('/v1/identifiers/bob%40example.com/timeline?syncId=to-google', key);
    expect(bob.body.items).toEqual([]);
    const nobody = await api.get('/v1/identifiers/nobody/timeline', key);
    expect(nobody.body).toMatchObject({ items: [], destinations: [], nextCursor: null });
  });

  it('pages by runs with a cursor, and shows another org nothing', async () => {
    // Act: one outcome a page
    const first = await api.get('/v1/identifiers/ana%40example.com/timeline?limit=1', key);
    const second = await api.get(`/v1/identifiers/ana%40example.com/timeline?limit=1&cursor=${first.body.nextCursor}`, key);

    // Assert
    expect(first.body.items.map((o: { runId: string }) => o.runId)).toEqual(['meta-2']);
    expect(second.body.items.map((o: { runId: string }) => o.runId)).toEqual(['google-1']);
    const other = await createOrgWithKeys(api, 'other');
    expect((await api.get('/v1/identifiers/ana%40example.com/timeline', other.key)).body.items).toEqual([]);
  });

  describe('records reported in flight, then again', () => {
    beforeAll(async () => {
      // dee: in flight in batch 0 of meta-3, in flight again then succeeded in its batch 1; in flight in meta-4, never settled.
      const dee = (status: string) => ({ identifier: 'dee@example.com', payload: { email: 'dee@example.com' }, status });
      const times = (n: number) => ({ startedAt: `2026-11-21T06:0${n}:00Z`, endedAt: `2026-11-21T06:0${n}:01Z` });
      await api.post('/v1/syncs/to-meta/runs', key, { runId: 'meta-3' });
      await api.post('/v1/runs/meta-3/batches', key, { batchType: 'records_updated', batchNumber: 0, ...times(0), records: [dee('in_progress')] });
      await api.post('/v1/runs/meta-3/batches', key, { batchType: 'records_updated', batchNumber: 1, ...times(1), records: [dee('extracting'), dee('succeeded')] });
      await api.post('/v1/syncs/to-meta/runs', key, { runId: 'meta-4' });
      await api.post('/v1/runs/meta-4/batches', key, { batchType: 'records_updated', batchNumber: 0, ...times(2), records: [dee('in_progress')] });
    });

    it('leaves the superseded reports out of the outcomes and the counts, as every count does', async () => {
      const timeline = await api.get('/v1/identifiers/dee%40example.com/timeline', key);
      expect(timeline.status).toBe(200);
      expect(timeline.body.items.map((o: { runId: string; status: string }) => `${o.runId}:${o.status}`)).toEqual(['meta-4:in_progress', 'meta-3:succeeded']);
      expect(timeline.body.destinations).toEqual([expect.objectContaining({ destinationId: 'meta', lastStatus: 'in_progress', lastRunId: 'meta-4', counts: { success: 1, partial: 0, failed: 0, in_flight: 1 } })]);
      const run = (await api.get('/v1/runs/meta-3', key)).body;
      expect(run.records).toMatchObject({ received: 3, inProgress: 0, superseded: 2 });
    });
  });

  it('refuses bad input with a 400 and no key with a 401', async () => {
    expect((await api.get('/v1/identifiers/ana/timeline?limit=0', key)).status).toBe(400);
    expect((await api.get('/v1/identifiers/ana/timeline?cursor=nope', key)).status).toBe(400);
    expect((await api.get('/v1/identifiers/ana/timeline?from=2026-11-20&to=2026-11-01', key)).status).toBe(400);
    expect((await api.get(`/v1/identifiers/${'x'.repeat(1100)}/timeline`, key)).status).toBe(400);
    expect((await api.get('/v1/identifiers/ana/timeline')).status).toBe(401);
    expect((await api.get('/v1/identifiers/ana/timeline', ROOT_KEY)).status).toBe(403);
  });
});
