import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionTypeOf, syncIdForJob } from '#domain/openlineage.ts';
import { isSafeId } from '#domain/ids.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';

/** The specification's example start event (spec/OpenLineage.md), as valid JSON with `eventType`. */
const specStart = {
  eventType: 'START',
  eventTime: '2020-12-09T23:37:31.081Z',
  run: { runId: '3b452093-782c-4ef2-9c0c-aafe2aa6f34d' },
  job: { namespace: 'my-scheduler-namespace', name: 'myjob.mytask' },
  inputs: [{ namespace: 'my-datasource-namespace', name: 'instance.schema.table' }],
  outputs: [{ namespace: 'my-datasource-namespace', name: 'instance.schema.output_table' }],
  producer: 'https://github.com/OpenLineage/OpenLineage/blob/v1-0-0/client',
  schemaURL: 'https://openlineage.io/spec/1-0-0/OpenLineage.json#/definitions/RunEvent',
};

/** Its completion, with the standard outputStatistics facet (rows and bytes written). */
const specComplete = {
  ...specStart,
  eventType: 'COMPLETE',
  eventTime: '2020-12-09T23:41:02.412Z',
  outputs: [
    {
      namespace: 'my-datasource-namespace',
      name: 'instance.schema.output_table',
      outputFacets: { outputStatistics: { _producer: specStart.producer, _schemaURL: 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json', rowCount: 2000, size: 2048576 } },
    },
  ],
};

/** A Postgres job that fails, with the standard errorMessage facet and a parent run (Airflow's DAG run). */
const failing = {
  eventType: 'FAIL',
  eventTime: '2026-11-23T06:05:00+01:00',
  run: {
    runId: 'd46f0d4e-7f5c-4d3c-9a2d-9a54b1c3e2f1',
    facets: {
      errorMessage: { message: 'relation "orders" does not exist', programmingLanguage: 'SQL' },
      parent: { run: { runId: '01890000-dag0-7000-8000-000000000001' }, job: { namespace: 'airflow', name: 'nightly' } },
    },
  },
  job: { namespace: 'airflow', name: 'nightly.load_orders', facets: { jobType: { processingType: 'BATCH', integration: 'AIRFLOW', jobType: 'TASK' } } },
  inputs: [{ namespace: 's3://raw-bucket', name: 'orders/2026-11-23' }],
  outputs: [{ namespace: 'postgres://warehouse:5432', name: 'analytics.public.orders' }],
  producer: 'https://github.com/apache/airflow/tree/providers-openlineage/2.0.0',
};

describe('POST /v1/lineage (OpenLineage)', () => {
  let stack: TestStack;
  let api: Api;
  let key: string;
  const syncId = 'ol.my-scheduler-namespace.myjob.mytask';

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
    key = (await createOrgWithKeys(api, 'acme')).key;
  });
  afterAll(async () => {
    await stack.stop();
  });

  it("maps the specification's START onto a new sync and a running run", async () => {
    // Act
    const answer = await api.post('/v1/lineage', key, specStart);

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ eventType: 'START', syncId, createdSync: true, runId: specStart.run.runId, run: { status: 'running', startedAt: '2020-12-09T23:37:31.081Z' } });
    const sync = (await api.get(`/v1/syncs/${syncId}`, key)).body;
    expect(sync).toMatchObject({
      name: 'myjob.mytask',
      syncType: 'entity',
      instance: 'my-scheduler-namespace',
      destinationStatus: 'running',
      source: { id: 'my-datasource-namespace/instance.schema.table', type: 'OpenLineage::Dataset', name: 'instance.schema.table' },
      destination: { id: 'my-datasource-namespace', connectionType: 'my-datasource-namespace' },
      destinationObject: { id: 'my-datasource-namespace/instance.schema.output_table', name: 'instance.schema.output_table' },
    });
  });

  it('takes RUNNING as a no-op and COMPLETE with its row count as the processed items; repeated events change nothing', async () => {
    // Act
    const running = await api.post('/v1/lineage', key, { ...specStart, eventType: 'RUNNING', eventTime: '2020-12-09T23:39:00Z' });
    const completed = await api.post('/v1/lineage', key, specComplete);
    const again = await api.post('/v1/lineage', key, specComplete);

    // Assert
    expect(running.body.run.status).toBe('running');
    expect(completed.body.run).toMatchObject({ status: 'complete', itemsTotal: 2000, itemsProcessed: 2000, itemsFailed: 0, coverageRate: 1 });
    expect(again.body.run).toEqual(completed.body.run);
    expect(again.body.createdSync).toBe(false);
    const history = await api.get(`/v1/runs?syncId=${syncId}`, key);
    expect(history.body.items).toHaveLength(1);
    expect((await api.get('/v1/destinations', key)).body.items.find((d: { syncId: string }) => d.syncId === syncId).status).toBe('complete');
  });

  it('adds nothing to the Sync Logs cards: a run with reported counts has no rows to list', async () => {
    const stats = (await api.get('/v1/stats?instance=my-scheduler-namespace', key)).body;
    const rows = (await api.get('/v1/logs?instance=my-scheduler-namespace&limit=1000', key)).body.items;
    expect(rows).toEqual([]);
    expect(stats).toMatchObject({ totalOperations: 0, success: 0, failed: 0, runs: 0, countedFrom: 'counters' });
  });

  it('maps FAIL (with no START before it) to an error run with the message, the scheme as connection type and the parent as correlation id', async () => {
    // Act
    const answer = await api.post('/v1/lineage', key, failing);

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.body.syncId).toBe('ol.airflow.nightly.load_orders');
    expect(answer.body.run).toMatchObject({ status: 'error', connectionType: 'postgres', entityType: 'TASK', instance: 'airflow', correlationId: '01890000-dag0-7000-8000-000000000001' });
    expect(answer.body.run.statusMessage).toContain('relation "orders" does not exist');
    const aborted = await api.post('/v1/lineage', key, { ...failing, eventType: 'ABORT', run: { runId: 'e46f0d4e-7f5c-4d3c-9a2d-9a54b1c3e2f1' } });
    expect(aborted.body.run).toMatchObject({ status: 'error', statusMessage: expect.stringMatching(/^Aborted/) });
    // Both are in Sync History, by connection type.
    expect((await api.get('/v1/runs?connectionType=postgres', key)).body.items).toHaveLength(2);
  });

  it('refuses what is not a run event, writing nothing', async () => {
    const before = (await api.get('/v1/syncs', key)).body.items.length;
    for (const body of [
      { ...specStart, job: undefined },
      { ...specStart, eventType: 'EXPLODED' },
      { ...specStart, eventTime: 'yesterday' },
      { ...specStart, run: { runId: '../../etc' }, job: { namespace: 'x', name: 'y' } },
      { ...specStart, inputs: 'table' },
    ]) {
      const answer = await api.post('/v1/lineage', key, body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
    }
    expect((await api.call('POST', '/v1/lineage', key, '{"eventType":', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await api.get('/v1/syncs', key)).body.items).toHaveLength(before);
  });
});

describe('OpenLineage names', () => {
  it('make safe, readable sync ids, hashed when too long', () => {
    expect(syncIdForJob('my-scheduler-namespace', 'myjob.mytask')).toBe('ol.my-scheduler-namespace.myjob.mytask');
    expect(syncIdForJob('s3://bucket', 'a/b/../c')).toBe('ol.s3-bucket.a-b-.-c');
    const long = syncIdForJob('ns', 'x'.repeat(300));
    expect(long.length).toBeLessThanOrEqual(128);
    expect(isSafeId(long)).toBe(true);
    expect(long).not.toBe(syncIdForJob('ns', `${'x'.repeat(299)}y`));
  });

  it('read the connection type from the namespace', () => {
    expect(connectionTypeOf('postgres://warehouse:5432')).toBe('postgres');
    expect(connectionTypeOf('bigquery')).toBe('bigquery');
    expect(connectionTypeOf('kafka://broker:9092')).toBe('kafka');
  });
});
