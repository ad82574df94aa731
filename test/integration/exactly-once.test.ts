import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { postBatch } from '#domain/batch.ts';
import type { Deps, RunStore } from '#domain/ports.ts';
import type { Principal } from '#domain/keys.ts';
import { createClients } from '#adapters/clients.ts';
import { runPk } from '#adapters/dynamodb/table.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, records, syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let org: Awaited<ReturnType<typeof createOrgWithKeys>>;

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
  org = await createOrgWithKeys(api, 'once');
  await api.put('/v1/syncs/s', org.key, syncConfig());
});
afterAll(async () => {
  await stack.stop();
});

const run = async (runId: string) => {
  expect((await api.post('/v1/syncs/s/runs', org.key, { runId })).status).toBe(201);
};
const counters = async (runId: string) => (await api.get(`/v1/runs/${runId}`, org.key)).body;

async function fileExists(key: string) {
  const { s3 } = createClients(stack.settings);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: stack.settings.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe('exactly-once batches', () => {
  it('answers a repeated batch with the same result and counts it once', async () => {
    // Arrange
    await run('r-repeat');
    const body = batch({}, records(10, 3));
    // Act
    const first = await api.post('/v1/runs/r-repeat/batches', org.key, body);
    const second = await api.post('/v1/runs/r-repeat/batches', org.key, body);
    // Assert
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect((await counters('r-repeat')).records).toMatchObject({ received: 10, failed: 4 });
  });

  it('recognizes a retry whose JSON keys come in another order', async () => {
    await run('r-order');
    const body = batch({}, records(2));
    await api.post('/v1/runs/r-order/batches', org.key, body);
    const reordered = JSON.stringify({ records: body.records.map((r) => ({ status: r.status, payload: r.payload, identifier: r.identifier })), endedAt: body.endedAt, startedAt: body.startedAt, batchNumber: 0, batchType: 'records_updated' });
    const retry = await api.post('/v1/runs/r-order/batches', org.key, reordered);
    expect(retry.status).toBe(200);
    expect((await counters('r-order')).records.received).toBe(2);
  });

  it('recognizes a retry whose payload keys come in another order, or with other batch times', async () => {
    // Arrange
    await run('r-payload-order');
    const body = batch({}, [{ identifier: 'p1', status: 'succeeded', payload: { a: 1, b: { c: 2, d: 3 } } }]);
    const first = await api.post('/v1/runs/r-payload-order/batches', org.key, body);
    // Act: the same records, payload keys reordered, and a resumed push's new times.
    const retry = await api.post('/v1/runs/r-payload-order/batches', org.key, {
      ...body,
      startedAt: '2030-01-01T00:00:00.000Z',
      endedAt: '2030-01-01T00:00:01.000Z',
      records: [{ identifier: 'p1', status: 'succeeded', payload: { b: { d: 3, c: 2 }, a: 1 } }],
    });
    // Assert: one batch, with the first post's times.
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const shown = await counters('r-payload-order');
    expect(shown.records.received).toBe(1);
    const records = await api.get('/v1/runs/r-payload-order/records', org.key);
    expect(records.body.items[0]).toMatchObject({ batchStartedAt: new Date(body.startedAt).toISOString() });
  });

  it('keeps a payload field named __proto__ as data', async () => {
    await run('r-proto');
    const text = `{"batchType":"records_updated","batchNumber":0,"startedAt":"2026-11-20T10:00:00.000Z","endedAt":"2026-11-20T10:00:01.000Z","records":[{"identifier":"x","status":"succeeded","payload":{"__proto__":{"polluted":true},"plain":1}}]}`;
    expect((await api.post('/v1/runs/r-proto/batches', org.key, text)).status).toBe(200);
    const records = await api.get('/v1/runs/r-proto/records', org.key);
    expect(Object.keys(records.body.items[0].payload)).toEqual(['__proto__', 'plain']);
    expect(JSON.stringify(records.body.items[0].payload)).toBe('{"__proto__":{"polluted":true},"plain":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses the same batch key with other content (409) and changes nothing', async () => {
    await run('r-conflict');
    await api.post('/v1/runs/r-conflict/batches', org.key, batch({}, records(3)));
    const other = await api.post('/v1/runs/r-conflict/batches', org.key, batch({}, records(4)));
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'conflict', details: { batchType: 'records_updated', batchNumber: 0 } });
    expect((await counters('r-conflict')).records.received).toBe(3);
  });

  it('counts 16 concurrent posts of one batch once, and all get the same answer', async () => {
    // Arrange
    await run('r-same16');
    const body = batch({}, records(50, 7));
    // Act
    const answers = await Promise.all(Array.from({ length: 16 }, () => api.post('/v1/runs/r-same16/batches', org.key, body)));
    // Assert
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
    for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body);
    const run16 = await counters('r-same16');
    expect(run16.records).toMatchObject({ received: 50, succeeded: 42, failed: 8 });
    expect(run16.batchCount).toBe(1);
  });

  it('counts all of 16 concurrent distinct batches: no lost update', async () => {
    // Arrange
    await run('r-distinct16');
    // Act
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, n) => api.post('/v1/runs/r-distinct16/batches', org.key, batch({ batchNumber: n }, records(25, 5, `b${n}`)))),
    );
    const completed = await api.post('/v1/runs/r-distinct16/complete', org.key);
    // Assert
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
    expect(completed.body).toMatchObject({ itemsTotal: 400, itemsProcessed: 320, itemsFailed: 80, status: 'partial_complete' });
    expect(completed.body.batchCount).toBe(16);
  });

  it('never loses a batch counted while the run is being completed', async () => {
    // Arrange
    await run('r-race');
    // Act: batches and the completion race; each batch is either counted or refused.
    const posts = Array.from({ length: 12 }, (_, n) => api.post('/v1/runs/r-race/batches', org.key, batch({ batchNumber: n }, records(10, 0, `x${n}`))));
    const completion = api.post('/v1/runs/r-race/complete', org.key);
    const [answers, completed] = await Promise.all([Promise.all(posts), completion]);
    // Assert
    const accepted = answers.filter((a) => a.status === 200).length;
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
    expect(completed.body.itemsTotal).toBe(accepted * 10);
    expect(completed.body.batchCount).toBe(accepted);
    for (const [n, answer] of answers.entries()) {
      expect(await fileExists(`sync_tracking_datasets/once/s/r-race/records_updated.${n}.parquet`), `batch ${n}`).toBe(answer.status === 200);
    }
  });

  it('heals a crash between the parquet write and the count on retry, without double counting', async () => {
    // Arrange: a store whose count fails once, as if the function died right after writing the file.
    await run('r-crash');
    const principal: Principal = { kind: 'key', orgId: 'once', keyId: org.keyId, scopes: ['ingest', 'read'] };
    let failures = 1;
    const crashingRuns: RunStore = Object.create(stack.deps.runs);
    crashingRuns.markBatchDone = async (...args: Parameters<RunStore['markBatchDone']>) => {
      if (failures-- > 0) throw new Error('Lambda timed out');
      return stack.deps.runs.markBatchDone(...args);
    };
    const crashing: Deps = { ...stack.deps, runs: crashingRuns };
    const body = batch({}, records(8, 4));
    // Act
    await expect(postBatch(crashing, principal, 'r-crash', body)).rejects.toThrow('Lambda timed out');
    const between = await counters('r-crash');
    const retried = await api.post('/v1/runs/r-crash/batches', org.key, body);
    const again = await api.post('/v1/runs/r-crash/batches', org.key, body);
    // Assert
    expect(between.records.received).toBe(0);
    expect(between.batches).toMatchObject([{ batchNumber: 0, state: 'pending' }]);
    expect(await fileExists('sync_tracking_datasets/once/s/r-crash/records_updated.0.parquet')).toBe(true);
    expect(retried.status).toBe(200);
    expect(again.body).toEqual(retried.body);
    const after = await counters('r-crash');
    expect(after.records).toMatchObject({ received: 8, failed: 2 });
    expect(after.batches).toMatchObject([{ batchNumber: 0, state: 'done' }]);
  });

  it('rolls a batch forward at completion when its writer died after the file, with no retry', async () => {
    // Arrange: the writer dies between the file and the count; the producer never retries.
    await run('r-roll');
    const principal: Principal = { kind: 'key', orgId: 'once', keyId: org.keyId, scopes: ['ingest'] };
    const crashingRuns: RunStore = Object.create(stack.deps.runs);
    crashingRuns.markBatchDone = async () => {
      throw new Error('Lambda timed out');
    };
    const body = batch({}, [...records(6, 2), { identifier: 'gone', status: 'rejected', final: true, payload: { n: 1 } }]);
    await expect(postBatch({ ...stack.deps, runs: crashingRuns }, principal, 'r-roll', body)).rejects.toThrow('Lambda timed out');
    // Act
    const completed = await api.post('/v1/runs/r-roll/complete', org.key);
    // Assert: the file is counted, its dead letter written, and the answer says what happened.
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ itemsTotal: 7, batchCount: 1, records: { received: 7, failed: 4 }, recovery: { rolledForward: ['records_updated.0'], abandoned: [] } });
    const dlq = await api.get('/v1/dlq?syncId=s', org.key);
    expect(dlq.body.items.filter((item: { runId: string }) => item.runId === 'r-roll')).toHaveLength(1);
  });

  it('waits for a writer that stalled after its claim, lets it go once its deadline passed, and the retry counts it', async () => {
    // Arrange: the writer stalls right after claiming (as a function frozen, then killed at its timeout).
    await run('r-dead');
    const principal: Principal = { kind: 'key', orgId: 'once', keyId: org.keyId, scopes: ['ingest'] };
    const stalledRuns: RunStore = Object.create(stack.deps.runs);
    stalledRuns.announceBatch = () => new Promise<boolean>(() => undefined);
    const body = batch({}, records(4));
    void postBatch({ ...stack.deps, runs: stalledRuns }, principal, 'r-dead', body);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Act: completion first waits for the live-looking writer, then answers 409 naming it.
    const early = await api.post('/v1/runs/r-dead/complete', org.key);
    stack.clock.advanceMs(120_000);
    const retried = await api.post('/v1/runs/r-dead/batches', org.key, body);
    const completed = await api.post('/v1/runs/r-dead/complete', org.key);
    // Assert
    expect(early.status).toBe(409);
    expect(early.body.error.details.batches).toMatchObject([{ batchType: 'records_updated', batchNumber: 0, reason: 'writing' }]);
    expect(retried.status).toBe(200);
    expect(completed.body).toMatchObject({ itemsTotal: 4, batchCount: 1 });
  }, 30_000);

  it('completes at once without a claim whose writer failed before its file and never came back', async () => {
    await run('r-gone');
    const principal: Principal = { kind: 'key', orgId: 'once', keyId: org.keyId, scopes: ['ingest'] };
    const crashingRuns: RunStore = Object.create(stack.deps.runs);
    crashingRuns.announceBatch = async () => {
      throw new Error('Lambda timed out');
    };
    await api.post('/v1/runs/r-gone/batches', org.key, batch({ batchNumber: 1 }, records(3, 0, 'ok')));
    await expect(postBatch({ ...stack.deps, runs: crashingRuns }, principal, 'r-gone', batch({}, records(4)))).rejects.toThrow('Lambda timed out');
    // No clock moves: a writer that failed (rather than vanished) gave its claim up.
    const completed = await api.post('/v1/runs/r-gone/complete', org.key);
    expect(completed.body).toMatchObject({ itemsTotal: 3, batchCount: 1, recovery: { abandoned: ['records_updated.0'] } });
    expect(await fileExists('sync_tracking_datasets/once/s/r-gone/records_updated.0.parquet')).toBe(false);
  });

  it('heals a crash after the count but before the dead letters were written', async () => {
    await run('r-crash2');
    const principal: Principal = { kind: 'key', orgId: 'once', keyId: org.keyId, scopes: ['ingest'] };
    const crashingDlq = Object.create(stack.deps.dlq) as Deps['dlq'];
    crashingDlq.addItems = async () => {
      throw new Error('network reset');
    };
    const body = batch({}, [...records(5), { identifier: 'x', status: 'failed', final: true, payload: {} }]);
    await expect(postBatch({ ...stack.deps, dlq: crashingDlq }, principal, 'r-crash2', body)).rejects.toThrow('network reset');
    const retried = await api.post('/v1/runs/r-crash2/batches', org.key, body);
    expect(retried.body).toMatchObject({ received: 6, succeeded: 5 });
    expect((await counters('r-crash2')).records.received).toBe(6);
    await api.post('/v1/runs/r-crash2/complete', org.key);
    const dlq = await api.get('/v1/dlq?syncId=s', org.key);
    expect(dlq.body.items.filter((item: { runId: string }) => item.runId === 'r-crash2')).toHaveLength(1);
  });
});

describe('metadata.json', () => {
  it('holds every payload field of every batch once the run is complete, even after concurrent batches', async () => {
    // Arrange: 8 batches at once, each bringing a field of its own.
    await run('r-meta');
    await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        api.post('/v1/runs/r-meta/batches', org.key, batch({ batchNumber: n }, [{ identifier: `m${n}`, payload: { [`field_${n}`]: n } }])),
      ),
    );
    // Act
    await api.post('/v1/runs/r-meta/complete', org.key);
    // Assert
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { s3 } = createClients(stack.settings);
    const object = await s3.send(new GetObjectCommand({ Bucket: stack.settings.bucket, Key: 'sync_tracking_datasets/once/s/r-meta/metadata.json' }));
    const metadata = JSON.parse(await object.Body!.transformToString());
    expect(metadata.record_payload_schema).toEqual(Object.fromEntries(Array.from({ length: 8 }, (_, n) => [`field_${n}`, 'number'])));
  });
});

describe('payload schema under concurrent batches', () => {
  const metadataOf = async (runId: string) => {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { s3 } = createClients(stack.settings);
    const object = await s3.send(new GetObjectCommand({ Bucket: stack.settings.bucket, Key: `sync_tracking_datasets/once/s/${runId}/metadata.json` }));
    return JSON.parse(await object.Body!.transformToString());
  };

  it('lists every type each field was seen with, across 8 batches at once, on the run while it runs and in metadata.json', async () => {
    // Arrange: the same fields with a different type in each batch; `gone` is only ever null.
    await run('r-types');
    const kinds = [1, 'one', true, [1], { one: 1 }, null, 2, 'two'];
    // Act
    const answers = await Promise.all(
      kinds.map((value, n) =>
        api.post('/v1/runs/r-types/batches', org.key, batch({ batchNumber: n }, [{ identifier: `t${n}`, payload: { value, gone: null, [`own_${n}`]: n } }])),
      ),
    );
    const running = (await stack.deps.runs.get('once', 'r-types'))!.payloadSchema;
    const before = await metadataOf('r-types');
    await api.post('/v1/runs/r-types/complete', org.key);
    const after = await metadataOf('r-types');
    // Assert: no batch's ADD lost another's, on the item and in the file
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const every = { value: ['string', 'number', 'boolean', 'array', 'object', 'null'], gone: ['null'] };
    expect(running).toEqual({ ...every, ...Object.fromEntries(kinds.map((_, n) => [`own_${n}`, ['number']])) });
    expect(Object.keys(before.record_payload_schema).length).toBeGreaterThan(0);
    expect(after.record_payload_schema).toEqual({ value: every.value, gone: 'null', ...Object.fromEntries(kinds.map((_, n) => [`own_${n}`, 'number'])) });
  });

  it('reads a run stored before fields listed every type (one type as a string) and completes with every type', async () => {
    // Arrange: a run item as an older SyncTrail left it, one type per field as a string.
    await run('r-legacy');
    const { dynamo } = createClients(stack.settings);
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await dynamo.send(
      new UpdateCommand({
        TableName: stack.settings.table,
        Key: { pk: runPk('once', 'r-legacy'), sk: 'RUN' },
        UpdateExpression: 'SET payloadSchema = :old',
        ExpressionAttributeValues: { ':old': { ltv: 'number' } },
      }),
    );
    // Act: a batch brings ltv as a string, and a new field
    const posted = await api.post('/v1/runs/r-legacy/batches', org.key, batch({}, [{ identifier: 'l1', payload: { ltv: '10', tier: 'gold' } }]));
    const running = (await stack.deps.runs.get('once', 'r-legacy'))!.payloadSchema;
    await api.post('/v1/runs/r-legacy/complete', org.key);
    // Assert
    expect(posted.status).toBe(200);
    expect(running).toEqual({ ltv: ['number'], tier: ['string'] });
    expect((await metadataOf('r-legacy')).record_payload_schema).toEqual({ ltv: ['string', 'number'], tier: 'string' });
  });
});
