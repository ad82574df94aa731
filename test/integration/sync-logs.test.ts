import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let org: Awaited<ReturnType<typeof createOrgWithKeys>>;

const entity = (identifier: string, entityType: string, status = 'success', statusMessage?: string) => ({
  identifier,
  payload: { id: identifier },
  status,
  entityType,
  ...(statusMessage ? { statusMessage } : {}),
});

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
  org = await createOrgWithKeys(api, 'ops');
  await api.put('/v1/syncs/erp', org.key, syncConfig({ syncType: 'entity', instance: 'erp-nightly', entityType: 'item', operation: 'upsert' }));
  await api.put('/v1/syncs/shop', org.key, syncConfig({ syncType: 'entity', instance: 'shop-sync', entityType: 'order', operation: 'upsert' }));
  const post = async (syncId: string, runId: string, records: object[], complete: object = {}, correlationId?: string) => {
    await api.post(`/v1/syncs/${syncId}/runs`, org.key, { runId, ...(correlationId ? { correlationId } : {}) });
    await api.post(`/v1/runs/${runId}/batches`, org.key, { ...batch(), records });
    await api.post(`/v1/runs/${runId}/complete`, org.key, complete);
  };
  await post('erp', 'erp-1', [entity('ITEM-001', 'item'), entity('ITEM-002', 'item', 'failed', 'SKU is required'), entity('BP-10', 'bp', 'partial success', 'image sync partial')], {}, 'corr-a');
  await post('shop', 'shop-1', [entity('ORD-1', 'order'), entity('ORD-2', 'order', 'partially failed', 'metafield sync failed')], {}, 'corr-b');
  await post('erp', 'erp-2', [entity('ITEM-003', 'item'), entity('BP-11', 'bp', 'extraction failed', 'source timeout')], {}, 'corr-c');
  await post('erp', 'erp-3', [entity('ITEM-004', 'item')], { status: 'error', statusMessage: 'ERP unreachable' }, 'corr-d');
  await api.post('/v1/syncs/erp/runs', org.key, { runId: 'erp-dry', dryRun: true });
  await api.post('/v1/runs/erp-dry/batches', org.key, { ...batch(), records: [entity('ITEM-DRY', 'item')] });
});
afterAll(async () => {
  await stack.stop();
});

const logs = async (query: string) => (await api.get(`/v1/logs${query}`, org.key)).body;
const sources = async (query: string) => (await logs(query)).items.map((r: any) => r.sourceId);

describe('Sync Logs', () => {
  it('lists per-record rows across runs, newest run first, with Sync Logs columns', async () => {
    const body = await logs('');
    expect(body.items.map((r: any) => r.sourceId)).toEqual(['ITEM-004', 'ITEM-003', 'BP-11', 'ORD-1', 'ORD-2', 'ITEM-001', 'ITEM-002', 'BP-10']);
    expect(body.items[6]).toMatchObject({
      status: 'rejected',
      reportedStatus: 'failed',
      instance: 'erp-nightly',
      entityType: 'item',
      sourceId: 'ITEM-002',
      targetId: null,
      operation: 'upsert',
      started: '2026-11-20T10:00:00.000Z',
      details: 'SKU is required',
      runId: 'erp-1',
      syncId: 'erp',
    });
    expect(body.items[0]).not.toHaveProperty('payload');
    expect(body.nextCursor).toBeNull();
  });

  it.each([
    ['?instance=erp-nightly', ['ITEM-004', 'ITEM-003', 'BP-11', 'ITEM-001', 'ITEM-002', 'BP-10']],
    ['?entityType=bp', ['BP-11', 'BP-10']],
    ['?instance=erp-nightly&entityType=item', ['ITEM-004', 'ITEM-003', 'ITEM-001', 'ITEM-002']],
    ['?sourceId=item-00', ['ITEM-004', 'ITEM-003', 'ITEM-001', 'ITEM-002']],
    ['?sourceId=2', ['ORD-2', 'ITEM-002']],
    ['?status=partial_success,partially_failed', ['ORD-2', 'BP-10']],
    ['?status=extraction_failed', ['BP-11']],
    ['?instance=shop-sync&status=failed', []],
    ['?limit=3', ['ITEM-004', 'ITEM-003', 'BP-11']],
  ])('filters with %s', async (query, expected) => {
    expect(await sources(query)).toEqual(expected);
  });

  it('continues with a cursor, across and within runs, without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await logs(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((r: any) => r.sourceId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['ITEM-004', 'ITEM-003', 'BP-11', 'ORD-1', 'ORD-2', 'ITEM-001', 'ITEM-002', 'BP-10']);
  });

  it('lists instances and the entity types that follow the chosen one', async () => {
    expect((await api.get('/v1/logs/facets', org.key)).body).toMatchObject({ instances: ['erp-nightly', 'shop-sync'], entityTypes: ['bp', 'item', 'order'] });
    expect((await api.get('/v1/logs/facets?instance=shop-sync', org.key)).body.entityTypes).toEqual(['order']);
  });

  it('refuses bad filters with 400', async () => {
    for (const query of ['?status=maybe', '?limit=5000', '?cursor=xyz', '?colour=red']) {
      expect((await api.get(`/v1/logs${query}`, org.key)).status, query).toBe(400);
    }
  });
});

describe('stats (the five cards)', () => {
  it('counts every row Sync Logs lists, each by its own status (an error run too); success rate is successes only', async () => {
    expect((await api.get('/v1/stats', org.key)).body).toEqual({
      totalOperations: 8,
      success: 4,
      partialSuccess: 2,
      failed: 2,
      inProgress: 0,
      runs: 4,
      successRate: 4 / 8,
      truncated: false,
      countedFrom: 'counters',
    });
  });

  it('filters by instance, sync, entity type and dates', async () => {
    expect((await api.get('/v1/stats?instance=shop-sync', org.key)).body).toMatchObject({ totalOperations: 2, success: 1, partialSuccess: 1, failed: 0, successRate: 0.5 });
    expect((await api.get('/v1/stats?syncId=erp&entityType=item', org.key)).body).toMatchObject({ totalOperations: 4, success: 3, partialSuccess: 0, failed: 1 });
    expect((await api.get('/v1/stats?entityType=bp', org.key)).body).toMatchObject({ totalOperations: 2, success: 0, partialSuccess: 1, failed: 1, runs: 2 });
    expect((await api.get('/v1/stats?to=2000-01-01', org.key)).body).toMatchObject({ totalOperations: 0, successRate: null });
  });
});

describe('instances', () => {
  it('groups runs per instance with totals and correlation ids', async () => {
    const { items } = (await api.get('/v1/instances', org.key)).body;
    expect(items.map((i: any) => i.instance)).toEqual(['erp-nightly', 'shop-sync']);
    expect(items[0]).toMatchObject({
      runs: 3,
      dryRuns: 1,
      lastStatus: 'error',
      itemsTotal: 6,
      itemsProcessed: 3,
      itemsFailed: 3,
      statuses: { complete: 0, partial_complete: 2, error: 1, running: 0 },
      syncIds: ['erp'],
      correlationIds: ['corr-d', 'corr-c', 'corr-a'],
    });
    expect(items[0].entityTypes.sort()).toEqual(['bp', 'item']);
  });

  it("drills into one instance's runs", async () => {
    const body = (await api.get('/v1/instances/erp-nightly?limit=2', org.key)).body;
    expect(body).toMatchObject({ instance: 'erp-nightly', runs: 3, dryRuns: 1, lastStatus: 'error' });
    expect(body.items.map((r: any) => [r.runId, r.correlationId, r.dryRun])).toEqual([
      ['erp-dry', null, true],
      ['erp-3', 'corr-d', false],
    ]);
    expect(body.nextCursor).toEqual(expect.any(String));
    expect((await api.get('/v1/instances/nope', org.key)).status).toBe(404);
  });
});

describe('coverage health', () => {
  it('flags a sync whose coverage stays under its threshold, and clears when it recovers', async () => {
    // Arrange
    await api.put('/v1/syncs/cov', org.key, syncConfig({ coverageThreshold: 0.8, coverageWindow: 2 }));
    const run = async (runId: string, failed: number) => {
      await api.post('/v1/syncs/cov/runs', org.key, { runId });
      const specs = Array.from({ length: 10 }, (_, i) => ({ identifier: `${runId}-${i}`, payload: {}, status: i < failed ? 'rejected' : 'succeeded' }));
      await api.post(`/v1/runs/${runId}/batches`, org.key, { ...batch(), records: specs });
      await api.post(`/v1/runs/${runId}/complete`, org.key);
    };
    // Act + Assert
    await run('c1', 5);
    expect((await api.get('/v1/syncs/cov/coverage', org.key)).body).toMatchObject({ lowCoverage: false, threshold: 0.8, window: 2 });
    await run('c2', 3);
    const low = (await api.get('/v1/syncs/cov/coverage', org.key)).body;
    expect(low).toMatchObject({ lowCoverage: true, averageCoverage: 0.6 });
    expect(low.runs.map((r: any) => [r.runId, r.coverageRate, r.belowThreshold])).toEqual([
      ['c2', 0.7, true],
      ['c1', 0.5, true],
    ]);
    await run('c3', 0);
    expect((await api.get('/v1/syncs/cov/coverage', org.key)).body.lowCoverage).toBe(false);
  });

  it('uses defaults when the sync sets none, and 404s for unknown syncs', async () => {
    expect((await api.get('/v1/syncs/erp/coverage', org.key)).body).toMatchObject({ threshold: 0.9, window: 3 });
    expect((await api.get('/v1/syncs/nope/coverage', org.key)).status).toBe(404);
  });
});

describe("another org's key", () => {
  it('sees none of this in logs, stats, facets or instances', async () => {
    const other = await createOrgWithKeys(api, 'ops-other');
    expect((await api.get('/v1/logs', other.key)).body.items).toEqual([]);
    expect((await api.get('/v1/stats', other.key)).body.totalOperations).toBe(0);
    expect((await api.get('/v1/logs/facets', other.key)).body.instances).toEqual([]);
    expect((await api.get('/v1/instances', other.key)).body.items).toEqual([]);
    expect((await api.get('/v1/instances/erp-nightly', other.key)).status).toBe(404);
    expect((await api.get('/v1/syncs/erp/coverage', other.key)).status).toBe(404);
  });
});

// Last: its runs would change which instance is newest for the tests above.
describe('stats runs', () => {
  it('counts the same runs with a status or Source ID filter as without: only runs with row-level records', async () => {
    // Arrange: a run with no batch yet, and one completed with counts only
    const before = (await api.get('/v1/stats', org.key)).body.runs;
    await api.post('/v1/syncs/shop/runs', org.key, { runId: 'shop-empty' });
    await api.post('/v1/syncs/shop/runs', org.key, { runId: 'shop-counts' });
    await api.post('/v1/runs/shop-counts/complete', org.key, { itemsTotal: 12 });

    // Act
    const plain = (await api.get('/v1/stats', org.key)).body;
    const byStatus = (await api.get('/v1/stats?status=success', org.key)).body;
    const bySource = (await api.get('/v1/stats?sourceId=ITEM', org.key)).body;

    // Assert: neither run counts, with or without a filter
    expect(plain).toMatchObject({ runs: before, countedFrom: 'counters' });
    expect(byStatus).toMatchObject({ runs: before, countedFrom: 'rows' });
    expect(bySource).toMatchObject({ runs: before, countedFrom: 'rows' });
  });
});
