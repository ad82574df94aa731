import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createClients } from '#adapters/clients.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, records, syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let org: Awaited<ReturnType<typeof createOrgWithKeys>>;

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
  org = await createOrgWithKeys(api, 'acme');
});
afterAll(async () => {
  await stack.stop();
});

async function listKeys(prefix: string) {
  const { s3 } = createClients(stack.settings);
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: stack.settings.bucket, Prefix: prefix }));
  return Contents.map((c) => c.Key!).sort();
}

async function auditOf(syncId: string) {
  const { dynamo } = createClients(stack.settings);
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const { Items = [] } = await dynamo.send(
    new ScanCommand({ TableName: stack.settings.table, FilterExpression: 'syncId = :s AND #t = :t', ExpressionAttributeNames: { '#t': 'type' }, ExpressionAttributeValues: { ':s': syncId, ':t': 'audit' } }),
  );
  return Items.sort((a, b) => String(a.at).localeCompare(String(b.at)));
}

describe('syncs', () => {
  it('creates a sync with every configured field and a ready destination', async () => {
    // Act
    const created = await api.put('/v1/syncs/sig-1', org.key, syncConfig({ syncType: 'signal', instance: 'capi-job', entityType: 'purchase', workspaceId: 'ws-1' }));
    // Assert
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      syncId: 'sig-1',
      name: 'High-value customers',
      syncType: 'signal',
      instance: 'capi-job',
      entityType: 'purchase',
      workspaceId: 'ws-1',
      operation: 'upsert',
      enabled: true,
      source: { id: 'seg-1', type: 'DataWarehouse::FilterSegmentSource', filterSegmentId: 'segment-9' },
      destination: { id: 'dest-meta', connectionType: 'Meta Ads', type: 'Meta Ads::Connection' },
      destinationObject: { id: 'dobj-1' },
      destinationStatus: 'ready',
    });
    expect((await api.get('/v1/syncs/sig-1', org.key)).body.syncId).toBe('sig-1');
  });

  it('audits each change with who, before and after, and nothing for a PUT that changes nothing', async () => {
    // Arrange
    await api.put('/v1/syncs/audited', org.key, syncConfig());
    // Act
    const same = await api.put('/v1/syncs/audited', org.key, syncConfig());
    const changed = await api.put('/v1/syncs/audited', org.key, syncConfig({ name: 'Renamed', destinationObject: undefined }));
    // Assert
    expect(same.status).toBe(200);
    expect(changed.status).toBe(200);
    expect(changed.body.name).toBe('Renamed');
    expect(changed.body.destinationObject).toBeUndefined();
    const entries = await auditOf('audited');
    expect(entries.map((e) => e.action)).toEqual(['sync.created', 'sync.updated']);
    expect(entries[1]).toMatchObject({ actor: org.keyId, before: { name: 'High-value customers' }, after: { name: 'Renamed' } });
    expect(entries[1]!.after.destinationObject).toBeUndefined();
  });

  it('lists syncs with cursor pagination', async () => {
    const other = await createOrgWithKeys(api, 'pager');
    for (const id of ['p1', 'p2', 'p3']) await api.put(`/v1/syncs/${id}`, other.key, syncConfig());
    const first = await api.get('/v1/syncs?limit=2', other.key);
    const second = await api.get(`/v1/syncs?limit=2&cursor=${first.body.nextCursor}`, other.key);
    expect(first.body.items.map((s: any) => s.syncId)).toEqual(['p1', 'p2']);
    expect(second.body.items.map((s: any) => s.syncId)).toEqual(['p3']);
  });
});

describe('a run, end to end', () => {
  it('starts, takes batches, writes parquet and metadata, and completes partial with exact counters', async () => {
    // Arrange
    await api.put('/v1/syncs/aud-1', org.key, syncConfig());
    // Act
    const started = await api.post('/v1/syncs/aud-1/runs', org.key, { runId: 'run-e2e', correlationId: 'corr-7' });
    const statusWhileRunning = (await api.get('/v1/destinations', org.key)).body.items.find((d: any) => d.syncId === 'aud-1').status;
    const b0 = await api.post('/v1/runs/run-e2e/batches', org.key, batch({ batchNumber: 0 }, records(10, 5)));
    const b1 = await api.post('/v1/runs/run-e2e/batches', org.key, batch({ batchNumber: 1 }, [{ identifier: 'z' }, { identifier: null }, { identifier: 'z' }]));
    const completed = await api.post('/v1/runs/run-e2e/complete', org.key, { itemsTotal: 15 });
    // Assert
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ runId: 'run-e2e', status: 'running', correlationId: 'corr-7' });
    expect(statusWhileRunning).toBe('running');
    expect(b0.body).toEqual({ batchType: 'records_updated', batchNumber: 0, received: 10, succeeded: 8, partialSuccess: 0, failed: 2, inProgress: 0, superseded: 0, invalid: { null: 0, duplicate: 0 } });
    expect(b1.body).toMatchObject({ received: 3, succeeded: 1, failed: 2, invalid: { null: 1, duplicate: 1 } });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({
      status: 'partial_complete',
      itemsTotal: 15,
      itemsProcessed: 9,
      itemsFailed: 6,
      coverageRate: 0.6,
      executionDate: expect.any(String),
      statusMessage: '6 of 15 records failed: 2 rejected, 1 without identifier (NULL), 1 duplicate (DUPLICATE), 2 not sent',
    });
    expect(await listKeys('sync_tracking_datasets/acme/aud-1/run-e2e/')).toEqual([
      'sync_tracking_datasets/acme/aud-1/run-e2e/metadata.json',
      'sync_tracking_datasets/acme/aud-1/run-e2e/records_updated.0.parquet',
      'sync_tracking_datasets/acme/aud-1/run-e2e/records_updated.1.parquet',
    ]);
    const destination = (await api.get('/v1/destinations', org.key)).body.items.find((d: any) => d.syncId === 'aud-1');
    expect(destination).toMatchObject({ status: 'partial_complete', lastRun: { runId: 'run-e2e', status: 'partial_complete' }, lastStatusMessage: expect.stringContaining('6 of 15') });
    const detail = await api.get('/v1/runs/run-e2e', org.key);
    expect(detail.body.batches.map((b: any) => [b.batchNumber, b.state, b.received])).toEqual([
      [0, 'done', 10],
      [1, 'done', 3],
    ]);
  });

  it('re-posting the same runId is idempotent and does not reset counters', async () => {
    await api.put('/v1/syncs/aud-idem', org.key, syncConfig());
    await api.post('/v1/syncs/aud-idem/runs', org.key, { runId: 'run-idem' });
    await api.post('/v1/runs/run-idem/batches', org.key, batch({}, records(3)));
    const again = await api.post('/v1/syncs/aud-idem/runs', org.key, { runId: 'run-idem' });
    expect(again.status).toBe(200);
    expect(again.body.itemsTotal).toBe(3);
    const elsewhere = await api.post('/v1/syncs/aud-1/runs', org.key, { runId: 'run-idem' });
    expect(elsewhere.status).toBe(409);
  });

  it('completes as complete when nothing failed, and error when the producer says so', async () => {
    await api.put('/v1/syncs/aud-ok', org.key, syncConfig());
    await api.post('/v1/syncs/aud-ok/runs', org.key, { runId: 'run-ok' });
    await api.post('/v1/runs/run-ok/batches', org.key, batch({}, records(4)));
    const ok = await api.post('/v1/runs/run-ok/complete', org.key);
    expect(ok.body).toMatchObject({ status: 'complete', itemsTotal: 4, itemsProcessed: 4, itemsFailed: 0, coverageRate: 1, statusMessage: null });
    expect((await api.get('/v1/syncs/aud-ok', org.key)).body.destinationStatus).toBe('complete');

    await api.post('/v1/syncs/aud-ok/runs', org.key, { runId: 'run-err' });
    await api.post('/v1/runs/run-err/batches', org.key, batch({}, records(4)));
    const failed = await api.post('/v1/runs/run-err/complete', org.key, { status: 'error', statusMessage: '401 Unauthorized: token expired' });
    expect(failed.body).toMatchObject({ status: 'error', itemsProcessed: 0, itemsFailed: 4, coverageRate: 0, statusMessage: '401 Unauthorized: token expired' });
    const destination = (await api.get('/v1/destinations', org.key)).body.items.find((d: any) => d.syncId === 'aud-ok');
    expect(destination).toMatchObject({ status: 'error', lastStatusMessage: '401 Unauthorized: token expired' });
  });

  it('completing twice returns the same final run and changes nothing; another status is a 409 naming the one it has', async () => {
    const first = await api.post('/v1/runs/run-ok/complete', org.key);
    const second = await api.post('/v1/runs/run-ok/complete', org.key);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.body.status).toBe('complete');
    const other = await api.post('/v1/runs/run-ok/complete', org.key, { status: 'error' });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toBe(`run run-ok is already complete with itemsTotal ${first.body.itemsTotal}; it cannot be completed again as error`);
    expect(other.body.error.details).toEqual({ status: 'complete', itemsTotal: first.body.itemsTotal });
    // An itemsTotal saying records were never sent would make it partial: not the same completion either.
    const larger = await api.post('/v1/runs/run-ok/complete', org.key, { itemsTotal: first.body.itemsTotal + 5 });
    expect(larger.status).toBe(409);
    expect(larger.body.error.message).toBe(`run run-ok is already complete with itemsTotal ${first.body.itemsTotal}; it cannot be completed again as complete with itemsTotal ${first.body.itemsTotal + 5}`);
    // The itemsTotal it was completed with (or a smaller one, which never counts) is the same completion.
    expect((await api.post('/v1/runs/run-ok/complete', org.key, { itemsTotal: first.body.itemsTotal })).status).toBe(200);
    expect((await api.get('/v1/runs/run-ok', org.key)).body).toMatchObject({ status: 'complete', itemsTotal: first.body.itemsTotal });
  });

  it('a finished error run completed again as complete is a 409 too; as error again, 200', async () => {
    await api.post('/v1/syncs/aud-ok/runs', org.key, { runId: 'run-err-again' });
    expect((await api.post('/v1/runs/run-err-again/complete', org.key, { status: 'error' })).status).toBe(200);
    expect((await api.post('/v1/runs/run-err-again/complete', org.key, { status: 'error' })).status).toBe(200);
    const other = await api.post('/v1/runs/run-err-again/complete', org.key, {});
    expect(other.status).toBe(409);
    expect(other.body.error.details).toEqual({ status: 'error', itemsTotal: 0 });
  });

  it('refuses batches once a run is complete', async () => {
    const late = await api.post('/v1/runs/run-ok/batches', org.key, batch({ batchNumber: 9 }, records(1)));
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/complete/);
  });

  it('leaves the destination to a newer run when an older one finishes late', async () => {
    await api.put('/v1/syncs/overlap', org.key, syncConfig());
    await api.post('/v1/syncs/overlap/runs', org.key, { runId: 'old' });
    await api.post('/v1/syncs/overlap/runs', org.key, { runId: 'new' });
    await api.post('/v1/runs/old/complete', org.key, { status: 'error' });
    expect((await api.get('/v1/syncs/overlap', org.key)).body).toMatchObject({ destinationStatus: 'running', currentRunId: 'new' });
    await api.post('/v1/runs/new/complete', org.key);
    expect((await api.get('/v1/syncs/overlap', org.key)).body.destinationStatus).toBe('complete');
  });

  it('refuses runs of a disabled sync and of an unknown one', async () => {
    await api.put('/v1/syncs/off', org.key, syncConfig({ enabled: false }));
    expect((await api.post('/v1/syncs/off/runs', org.key, {})).status).toBe(409);
    expect((await api.post('/v1/syncs/nope/runs', org.key, {})).status).toBe(404);
  });
});

describe('signal watermark (Sync History retry behaviour)', () => {
  it('advances on complete and partial runs, never on error, never backwards', async () => {
    // Arrange
    await api.put('/v1/syncs/sig-w', org.key, syncConfig({ syncType: 'signal' }));
    const run = async (runId: string, dates: string[], complete: object = {}) => {
      await api.post('/v1/syncs/sig-w/runs', org.key, { runId });
      await api.post(`/v1/runs/${runId}/batches`, org.key, batch({}, dates.map((d, i) => ({ identifier: `e${i}`, eventDate: d }))));
      return (await api.post(`/v1/runs/${runId}/complete`, org.key, complete)).body;
    };
    // Act + Assert
    expect((await api.get('/v1/syncs/sig-w/watermark', org.key)).body).toMatchObject({ maxEventDate: null, runId: null });
    const first = await run('w1', ['2026-11-18T10:00:00Z', '2026-11-19T10:00:00Z']);
    expect(first.maxEventDate).toBe('2026-11-19T10:00:00.000Z');
    expect((await api.get('/v1/syncs/sig-w/watermark', org.key)).body).toMatchObject({ maxEventDate: '2026-11-19T10:00:00.000Z', runId: 'w1' });

    await run('w2', ['2026-11-20T10:00:00Z'], { status: 'error', statusMessage: 'Meta API 503' });
    expect((await api.get('/v1/syncs/sig-w/watermark', org.key)).body.runId).toBe('w1');

    const started = await api.post('/v1/syncs/sig-w/runs', org.key, { runId: 'w3' });
    expect(started.body.watermark).toMatchObject({ maxEventDate: '2026-11-19T10:00:00.000Z' });
    await api.post('/v1/runs/w3/complete', org.key, { maxEventDate: '2026-11-17T00:00:00Z' });
    expect((await api.get('/v1/syncs/sig-w/watermark', org.key)).body.runId).toBe('w1');

    await run('w4', ['2026-11-21T10:00:00Z'], { itemsTotal: 3 });
    expect((await api.get('/v1/syncs/sig-w/watermark', org.key)).body).toMatchObject({ maxEventDate: '2026-11-21T10:00:00.000Z', runId: 'w4' });
  });
});

describe('dry runs', () => {
  it('count but write no row-level files and leave the destination alone', async () => {
    await api.put('/v1/syncs/dry', org.key, syncConfig());
    const started = await api.post('/v1/syncs/dry/runs', org.key, { runId: 'dry-1', dryRun: true });
    const posted = await api.post('/v1/runs/dry-1/batches', org.key, batch({}, records(5, 2)));
    const completed = await api.post('/v1/runs/dry-1/complete', org.key);
    expect(started.body.dryRun).toBe(true);
    expect(posted.body).toMatchObject({ received: 5, failed: 3 });
    expect(completed.body).toMatchObject({ status: 'partial_complete', itemsTotal: 5, itemsProcessed: 2, dryRun: true });
    expect(await listKeys('sync_tracking_datasets/acme/dry/')).toEqual([]);
    expect((await api.get('/v1/syncs/dry', org.key)).body.destinationStatus).toBe('ready');
  });
});

describe('Sync History', () => {
  let hist: Awaited<ReturnType<typeof createOrgWithKeys>>;

  beforeAll(async () => {
    hist = await createOrgWithKeys(api, 'history');
    await api.put('/v1/syncs/google', hist.key, syncConfig({ destination: { id: 'd-google', name: 'Google Ads — Main Account', connectionType: 'Google Ads' }, instance: 'nightly' }));
    await api.put('/v1/syncs/meta', hist.key, syncConfig({ syncType: 'signal' }));
    const runs: Array<[string, string, string, object]> = [
      ['google', 'g1', '2026-11-01T08:00:00Z', {}],
      ['meta', 'm1', '2026-11-02T08:00:00Z', { status: 'error' }],
      ['google', 'g2', '2026-11-03T08:00:00Z', { itemsTotal: 5 }],
      ['meta', 'm2', '2026-11-04T08:00:00Z', {}],
    ];
    for (const [syncId, runId, startedAt, complete] of runs) {
      await api.post(`/v1/syncs/${syncId}/runs`, hist.key, { runId, startedAt });
      await api.post(`/v1/runs/${runId}/batches`, hist.key, batch({}, records(2)));
      await api.post(`/v1/runs/${runId}/complete`, hist.key, complete);
    }
    await api.post('/v1/syncs/google/runs', hist.key, { runId: 'g3', startedAt: '2026-11-05T08:00:00Z' });
  });

  const ids = async (query: string) => (await api.get(`/v1/runs${query}`, hist.key)).body.items.map((r: any) => r.runId);

  it('lists runs newest first with Sync History fields', async () => {
    const { body } = await api.get('/v1/runs', hist.key);
    expect(body.items.map((r: any) => r.runId)).toEqual(['g3', 'm2', 'g2', 'm1', 'g1']);
    expect(body.items[2]).toMatchObject({
      entityName: 'High-value customers',
      syncType: 'audience',
      destinationName: 'Google Ads — Main Account',
      connectionType: 'Google Ads',
      status: 'partial_complete',
      itemsTotal: 5,
      itemsProcessed: 2,
      itemsFailed: 3,
      maxEventDate: null,
      executionDate: expect.any(String),
      statusMessage: expect.any(String),
    });
  });

  it.each([
    ['?syncType=signal', ['m2', 'm1']],
    ['?connectionType=Google%20Ads', ['g3', 'g2', 'g1']],
    ['?destinationId=dest-meta', ['m2', 'm1']],
    ['?syncId=google', ['g3', 'g2', 'g1']],
    ['?status=error', ['m1']],
    ['?status=running', ['g3']],
    ['?instance=nightly', ['g3', 'g2', 'g1']],
    ['?syncId=google&status=partial_complete', ['g2']],
    ['?syncType=audience&status=complete', ['g1']],
  ])('filters with %s', async (query, expected) => {
    expect(await ids(query)).toEqual(expected);
  });

  it('filters by execution date range (start date for running runs)', async () => {
    // Runs completed "now" (the test clock); g3 is still running and started on 2026-11-05.
    const today = new Date(stack.clock.now()).toISOString().slice(0, 10);
    expect(await ids(`?from=${today}`)).toEqual(['m2', 'g2', 'm1', 'g1']);
    expect(await ids('?from=2026-11-05&to=2026-11-05')).toEqual(['g3']);
    expect(await ids('?to=2026-10-31')).toEqual([]);
  });

  it('pages with a stable cursor, also under filters', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await api.get(`/v1/runs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, hist.key)).body;
      seen.push(...page.items.map((r: any) => r.runId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['g3', 'm2', 'g2', 'm1', 'g1']);

    const first = (await api.get('/v1/runs?syncId=google&limit=1', hist.key)).body;
    const second = (await api.get(`/v1/runs?syncId=google&limit=2&cursor=${first.nextCursor}`, hist.key)).body;
    expect([...first.items, ...second.items].map((r: any) => r.runId)).toEqual(['g3', 'g2', 'g1']);
  });

  it('refuses bad filters with 400', async () => {
    for (const query of ['?status=finished', '?limit=0', '?limit=1001', '?from=yesterday', '?from=2026-11-05&to=2026-11-01', '?cursor=garbage', '?sort=asc', '?syncId=../x']) {
      const response = await api.get(`/v1/runs${query}`, hist.key);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
    }
  });
});

describe('retention', () => {
  it('hides expired runs from every read before the store deletes them', async () => {
    // Arrange
    const ret = await createOrgWithKeys(api, 'retention');
    await api.put('/v1/syncs/r', ret.key, syncConfig());
    await api.post('/v1/syncs/r/runs', ret.key, { runId: 'old-run' });
    const { dynamo } = createClients(stack.settings);
    const { Item } = await dynamo.send(new GetCommand({ TableName: stack.settings.table, Key: { pk: 'ORG#retention#RUN#old-run', sk: 'RUN' } }));
    expect(Item!.ttl).toBe(Math.floor(Date.parse(Item!.expiresAt) / 1000));
    expect(Date.parse(Item!.expiresAt) - Date.parse(Item!.createdAt)).toBe(14 * 86_400_000);
    // Act
    stack.clock.advanceDays(15);
    try {
      // Assert
      expect((await api.get('/v1/runs/old-run', ret.key)).status).toBe(404);
      expect((await api.get('/v1/runs', ret.key)).body.items).toEqual([]);
      expect((await api.post('/v1/runs/old-run/batches', ret.key, batch())).status).toBe(404);
      expect((await api.post('/v1/runs/old-run/complete', ret.key)).status).toBe(404);
    } finally {
      stack.clock.advanceDays(-15);
    }
    expect((await api.get('/v1/runs/old-run', ret.key)).status).toBe(200);
  });
});

describe('isolation between orgs', () => {
  it("answers 404 for another org's syncs and runs, on every read and write", async () => {
    const other = await createOrgWithKeys(api, 'other-org');
    const checks = [
      await api.get('/v1/syncs/aud-1', other.key),
      await api.get('/v1/syncs/aud-1/watermark', other.key),
      await api.post('/v1/syncs/aud-1/runs', other.key, {}),
      await api.get('/v1/runs/run-e2e', other.key),
      await api.post('/v1/runs/run-e2e/batches', other.key, batch({ batchNumber: 7 })),
      await api.post('/v1/runs/run-e2e/complete', other.key),
    ];
    expect(checks.map((c) => c.status)).toEqual([404, 404, 404, 404, 404, 404]);
    expect((await api.get('/v1/runs', other.key)).body.items).toEqual([]);
    expect((await api.get('/v1/destinations', other.key)).body.items).toEqual([]);
  });
});
