import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'node-sql-parser';
import { openLocalSql } from '../../infra/local/sql-engine.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let org: Awaited<ReturnType<typeof createOrgWithKeys>>;

const rec = (identifier: string | null, status: string, statusMessage?: string) => ({ identifier, payload: { id: identifier }, status, ...(statusMessage ? { statusMessage } : {}) });

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
  org = await createOrgWithKeys(api, 'pipes');
  await api.put('/v1/syncs/pipe', org.key, syncConfig({ syncType: 'entity', instance: 'pipe-job', entityType: 'item', operation: 'upsert' }));
  await api.post('/v1/syncs/pipe/runs', org.key, { runId: 'pipe-1' });
});
afterAll(async () => {
  await stack.stop();
});

const logs = async (query: string) => (await api.get(`/v1/logs?instance=pipe-job${query}`, org.key)).body;

describe('records a pipeline is still working on', () => {
  it('accepts in progress and extracting, counting them as neither success nor failure', async () => {
    const b0 = await api.post('/v1/runs/pipe-1/batches', org.key, {
      ...batch({ batchNumber: 0 }),
      records: [
        rec('pipe-a', 'in_progress'),
        rec('pipe-b', 'Extracting'),
        rec('pipe-c', 'Completed'),
        rec('pipe-d', 'rejected', 'price must be positive'),
        rec(null, 'success'),
        rec('pipe-f', 'success'),
        rec('pipe-f', 'Succeeded'),
      ],
    });
    expect(b0.status).toBe(200);
    expect(b0.body).toMatchObject({ received: 7, succeeded: 2, failed: 3, inProgress: 2, superseded: 0, invalid: { null: 1, duplicate: 1 } });
    const b1 = await api.post('/v1/runs/pipe-1/batches', org.key, { ...batch({ batchNumber: 1, startedAt: '2026-11-20T10:01:00.000Z', endedAt: '2026-11-20T10:01:05.000Z' }), records: [rec('pipe-a', 'success'), rec('pipe-b', 'in progress')] });
    // Within its own batch nothing was superseded: the earlier reports are in batch 0.
    expect(b1.body).toMatchObject({ received: 2, succeeded: 1, inProgress: 1, superseded: 0 });
  });

  it('while the run runs, a later batch settles the earlier in-flight reports in the run, the cards and Sync Logs', async () => {
    const run = (await api.get('/v1/runs/pipe-1', org.key)).body;
    expect(run.records).toMatchObject({ received: 9, succeeded: 3, failed: 3, inProgress: 1, superseded: 2 });
    expect(run.itemsTotal).toBe(7);
    const stats = (await api.get('/v1/stats?instance=pipe-job', org.key)).body;
    expect(stats).toMatchObject({ totalOperations: 7, success: 3, partialSuccess: 0, failed: 3, inProgress: 1, successRate: 3 / 7, countedFrom: 'counters' });
    const rows = (await logs('')).items;
    expect(rows).toHaveLength(7);
    expect(rows.filter((r: any) => r.sourceId === 'pipe-a').map((r: any) => r.badge)).toEqual(['success']);
    expect(rows.filter((r: any) => r.sourceId === 'pipe-b').map((r: any) => r.badge)).toEqual(['in_progress']);
  });

  it('a run completed with records still in flight says so, and counts them as not processed', async () => {
    const done = await api.post('/v1/runs/pipe-1/complete', org.key, {});
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'partial_complete',
      itemsTotal: 7,
      itemsProcessed: 3,
      itemsFailed: 4,
      statusMessage: '4 of 7 records not processed: 1 rejected, 1 without identifier (NULL), 1 duplicate (DUPLICATE), 1 still in progress',
      records: { received: 9, inProgress: 1, superseded: 2 },
    });
    const withMessage = await api.post('/v1/syncs/pipe/runs', org.key, { runId: 'pipe-2' });
    expect(withMessage.status).toBe(201);
    await api.post('/v1/runs/pipe-2/batches', org.key, { ...batch(), records: [rec('pipe-z', 'extracting')] });
    const errored = await api.post('/v1/runs/pipe-2/complete', org.key, { status: 'error', statusMessage: 'source went away' });
    expect(errored.body.statusMessage).toBe('source went away (1 record was still in progress at completion)');
  });
});

describe('Sync Logs badges', () => {
  it("wear SyncTrail's status, with the producer's word and the invalid-data reason beside it", async () => {
    const rows = (await logs('&syncId=pipe')).items.filter((r: any) => r.runId === 'pipe-1');
    const bySource = (id: string | null) => rows.filter((r: any) => r.sourceId === id);
    expect(bySource('pipe-c')[0]).toMatchObject({ badge: 'completed', status: 'succeeded', reportedStatus: 'Completed', invalidReason: null });
    expect(bySource('pipe-d')[0]).toMatchObject({ badge: 'failed', status: 'rejected', details: 'price must be positive', invalidReason: null });
    expect(bySource(null)[0]).toMatchObject({ badge: 'failed', status: 'NULL', reportedStatus: 'success', invalidReason: 'no_identifier', details: 'Invalid data: no identifier' });
    expect(bySource('pipe-f').map((r: any) => [r.badge, r.status, r.invalidReason, r.details])).toEqual([
      ['success', 'succeeded', null, null],
      ['failed', 'DUPLICATE', 'duplicate', 'Invalid data: duplicate identifier in this batch'],
    ]);
  });

  it.each([
    ['in_progress', ['pipe-b']],
    ['in_progress,extracting', ['pipe-z', 'pipe-b']],
    ['extracting', ['pipe-z']],
    ['completed', ['pipe-c']],
    ['success', ['pipe-a', 'pipe-f']],
    ['failed', ['pipe-d', null, 'pipe-f']],
    ['Partial Success', []],
    ['invalid', [null, 'pipe-f']],
  ])('filters by status=%s', async (status, expected) => {
    const rows = (await logs(`&status=${encodeURIComponent(status)}`)).items;
    expect(rows.map((r: any) => r.sourceId)).toEqual(expected);
  });

  it('refuses an unknown status with a 400 that names the ones it knows, and writes nothing', async () => {
    const response = await api.get('/v1/logs?status=maybe', org.key);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain("unknown status 'maybe'; use one of success, completed, partial_success");
    expect((await api.get('/v1/stats?status=maybe', org.key)).status).toBe(400);
  });
});

describe('the stat cards count every row matching the filters', () => {
  it.each([
    ['&status=failed', { totalOperations: 3, failed: 3, success: 0, inProgress: 0 }],
    ['&status=in_progress,extracting', { totalOperations: 2, inProgress: 2 }],
    ['&sourceId=PIPE-A', { totalOperations: 1, success: 1, successRate: 1 }],
    ['&sourceId=pipe-f', { totalOperations: 2, success: 1, failed: 1, successRate: 0.5 }],
    ['&sourceId=pipe-&status=success', { totalOperations: 2, success: 2 }],
  ])('with %s', async (query, expected) => {
    const stats = (await api.get(`/v1/stats?instance=pipe-job${query}`, org.key)).body;
    expect(stats).toMatchObject({ ...expected, countedFrom: 'rows', truncated: false });
    // The cards and the rows agree.
    const rows = (await logs(`${query}&limit=1000`)).items;
    expect(rows).toHaveLength(stats.totalOperations);
  });
});

describe('error runs', () => {
  it('keep no Max Event Date and leave the watermark where it was', async () => {
    await api.put('/v1/syncs/sig', org.key, syncConfig({ syncType: 'signal' }));
    await api.post('/v1/syncs/sig/runs', org.key, { runId: 'sig-1' });
    await api.post('/v1/runs/sig-1/batches', org.key, { ...batch(), records: [{ identifier: 'e1', status: 'success', eventDate: '2026-11-19T08:00:00Z' }] });
    const done = await api.post('/v1/runs/sig-1/complete', org.key, { status: 'error', maxEventDate: '2026-11-19T09:00:00Z' });
    expect(done.body).toMatchObject({ status: 'error', maxEventDate: null, itemsProcessed: 0 });
    expect((await api.get('/v1/runs?syncId=sig', org.key)).body.items[0].maxEventDate).toBeNull();
    expect((await api.get('/v1/syncs/sig/watermark', org.key)).body).toMatchObject({ maxEventDate: null });
  });
});

describe("batches sent in parallel settle in the producer's order, not in the order they arrive", () => {
  it('batch 6 arriving before batch 5 still settles batch 5 in-progress report', async () => {
    await api.post('/v1/syncs/pipe/runs', org.key, { runId: 'pipe-par' });
    // The producer started both in the same second; batch 6 reached SyncTrail first.
    const six = await api.post('/v1/runs/pipe-par/batches', org.key, { ...batch({ batchNumber: 6 }), records: [rec('par-a', 'success'), rec('par-b', 'success')] });
    const five = await api.post('/v1/runs/pipe-par/batches', org.key, { ...batch({ batchNumber: 5 }), records: [rec('par-a', 'in_progress')] });
    expect([six.status, five.status]).toEqual([200, 200]);

    const run = (await api.get('/v1/runs/pipe-par', org.key)).body;
    expect(run.records).toMatchObject({ received: 3, succeeded: 2, inProgress: 0, superseded: 1 });
    const done = (await api.post('/v1/runs/pipe-par/complete', org.key, {})).body;
    expect(done).toMatchObject({ status: 'complete', itemsTotal: 2, itemsProcessed: 2 });
    expect(done.statusMessage ?? '').not.toMatch(/in progress/);
  });
});

describe("a run's records leave superseded in-flight reports out, as Sync Logs does", () => {
  // Seven items: a, b and d first reported in flight in batch 0, then again in batch 1 (d in
  // flight once more, then rejected, within batch 1); e, f and g are still in flight.
  const newestFirst = [
    ['rec-a', 'succeeded', 1],
    ['rec-b', 'succeeded', 1],
    ['rec-d', 'rejected', 1],
    ['rec-c', 'succeeded', 0],
    ['rec-e', 'in_progress', 0],
    ['rec-f', 'in_progress', 0],
    ['rec-g', 'extracting', 0],
  ];
  const list = async (query: string) => (await api.get(`/v1/runs/rec-1/records${query}`, org.key)).body;
  const seen = (items: any[]) => items.map((r: any) => [r.identifier, r.status, r.batchNumber]);

  beforeAll(async () => {
    await api.put('/v1/syncs/recs', org.key, syncConfig({ syncType: 'entity', instance: 'rec-job', entityType: 'item', operation: 'upsert' }));
    await api.post('/v1/syncs/recs/runs', org.key, { runId: 'rec-1' });
    const b0 = await api.post('/v1/runs/rec-1/batches', org.key, {
      ...batch({ batchNumber: 0 }),
      records: [rec('rec-a', 'in_progress'), rec('rec-b', 'extracting'), rec('rec-c', 'success'), rec('rec-d', 'in_progress'), rec('rec-e', 'in_progress'), rec('rec-f', 'in_progress'), rec('rec-g', 'extracting')],
    });
    const b1 = await api.post('/v1/runs/rec-1/batches', org.key, {
      ...batch({ batchNumber: 1 }),
      records: [rec('rec-a', 'success'), rec('rec-b', 'success'), rec('rec-d', 'in_progress'), rec('rec-d', 'rejected', 'price must be positive')],
    });
    expect([b0.status, b1.status]).toEqual([200, 200]);
  });

  it('lists each item once, with its latest report', async () => {
    const run = (await api.get('/v1/runs/rec-1', org.key)).body;
    expect(run.records).toMatchObject({ received: 11, inProgress: 3, superseded: 4 });
    expect(seen((await list('')).items)).toEqual(newestFirst);
  });

  it.each([
    ['?status=in_progress', ['rec-e', 'rec-f']],
    ['?status=in_progress,extracting', ['rec-e', 'rec-f', 'rec-g']],
    ['?status=extracting', ['rec-g']],
    ['?identifier=rec-d', ['rec-d']],
    ['?identifier=rec-a', ['rec-a']],
    ['?identifier=rec-e', ['rec-e']],
    ['?identifier=rec-*', newestFirst.map(([id]) => id)],
    ['?identifier=rec-d&status=in_progress', []],
    ['?identifier=rec-*&status=in_progress', ['rec-e', 'rec-f']],
  ])('filters with %s', async (query, expected) => {
    expect((await list(query)).items.map((r: any) => r.identifier)).toEqual(expected);
  });

  it('counts in flight what the run counts in flight', async () => {
    const run = (await api.get('/v1/runs/rec-1', org.key)).body;
    expect((await list('?status=in_progress,extracting')).items).toHaveLength(run.records.inProgress);
  });

  it.each(['', '&identifier=rec-d', '&identifier=rec-*'])('pages as one page does (%s)', async (query) => {
    const all = seen((await list(`?limit=100${query}`)).items);
    for (const limit of [1, 2, 3]) {
      const paged: unknown[] = [];
      let page = await list(`?limit=${limit}${query}`);
      paged.push(...seen(page.items));
      while (page.nextCursor) {
        page = await list(`?limit=${limit}${query}&cursor=${page.nextCursor}`);
        paged.push(...seen(page.items));
      }
      expect(paged, `limit=${limit}`).toEqual(all);
    }
  });

  it('exports the same rows, as CSV and NDJSON', async () => {
    const get = async (query: string) => (await fetch(`${stack.url}/v1/runs/rec-1/records/export?${query}`, { headers: { authorization: `Bearer ${org.key}` } })).text();
    const csv = (await get('format=csv')).trim().split('\r\n');
    expect(csv.slice(1).map((line) => line.split(',').slice(0, 2))).toEqual(newestFirst.map(([id, status]) => [id, status]));
    const ndjson = (await get('format=ndjson&status=in_progress')).trim().split('\n').map((line) => JSON.parse(line).identifier);
    expect(ndjson).toEqual(['rec-e', 'rec-f']);
    const exact = (await get('format=ndjson&identifier=rec-a')).trim().split('\n').map((line) => JSON.parse(line).status);
    expect(exact).toEqual(['succeeded']);
  });

  it("the analysts' query (docs/analysts.md) gives the run's rows as SyncTrail lists them, with DuckDB over the local files", async () => {
    const doc = readFileSync(new URL('../../docs/analysts.md', import.meta.url), 'utf8');
    const query = /<!-- tested: test\/integration\/in-flight\.test\.ts[^>]*-->\n```sql\n([\s\S]*?)```/.exec(doc)![1]!;
    const ast = new Parser().astify(query, { database: 'trino' });
    expect(Array.isArray(ast) ? ast[0]!.type : ast.type).toBe('select');
    const sql = await openLocalSql(stack.dataDir);
    try {
      const { rows } = await sql.run(query, [org.orgId, 'recs', 'rec-1']);
      expect(rows.map((r) => [r.identifier, r.status, r.batch_number])).toEqual(newestFirst);
      const all = await sql.run("SELECT count(*) AS n FROM sync_log WHERE run_id = 'rec-1'");
      expect(all.rows).toEqual([{ n: 11n }]);
    } finally {
      sql.close();
    }
  });
});
