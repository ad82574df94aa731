import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '#adapters/clients.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type ApiResult, type TestStack } from '../support/local-stack.ts';
import { batch, syncConfig, type RecordSpec } from '../support/fixtures.ts';

/**
 * Scale cases (issue 11, point 6): what one run holds before something gives. DynamoDB
 * refuses an item over 400 KB (409,600 bytes with attribute names), and dynalite enforces
 * the same, so anything a run item accumulates per batch, per field or per entity type is
 * pushed here well past the everyday sizes, through the HTTP API of an in-process stack.
 * DynamoDB also refuses any expression over 4 KB, which dynalite does not check: every
 * command the stack sends is watched for that here.
 */

const CONCURRENCY = 16;
const BATCHES = 4_000;
const RECORDS_PER_BATCH = 3;
/** ids may be 128 characters (`ID_PATTERN`): the longest batch type there is. */
const LONG_BATCH_TYPE = `records_updated-${'x'.repeat(128 - 'records_updated-'.length)}`;
const SOAK_MS = 15 * 60_000;

/** DynamoDB's limit on each expression string (UpdateExpression, ConditionExpression, …). */
const MAX_EXPRESSION_BYTES = 4096;

let stack: TestStack;
let api: Api;
let org: Awaited<ReturnType<typeof createOrgWithKeys>>;

/** Expressions over DynamoDB's limit that the stack sent (dynalite takes them). */
let oversized: Array<{ command: string; field: string; bytes: number }> = [];
const originalSend = DynamoDBDocumentClient.prototype.send;

function collectOversized(command: string, input: unknown, depth = 0): void {
  if (!input || typeof input !== 'object' || depth > 4) return;
  for (const [field, value] of Object.entries(input)) {
    if (typeof value === 'string' && field.endsWith('Expression') && Buffer.byteLength(value) > MAX_EXPRESSION_BYTES) {
      oversized.push({ command, field, bytes: Buffer.byteLength(value) });
    } else if (typeof value === 'object' && !field.startsWith('ExpressionAttribute') && field !== 'Item' && field !== 'Key') {
      collectOversized(command, value, depth + 1); // TransactItems and the like
    }
  }
}

/** Each expression kind over the limit once, with the largest size seen. */
function oversizedExpressions() {
  const largest = new Map<string, { command: string; field: string; bytes: number; times: number }>();
  for (const o of oversized) {
    const key = `${o.command}.${o.field}`;
    const seen = largest.get(key);
    largest.set(key, { ...o, bytes: Math.max(o.bytes, seen?.bytes ?? 0), times: (seen?.times ?? 0) + 1 });
  }
  return [...largest.values()];
}

beforeAll(async () => {
  // The in-process stack's DynamoDB calls all go through the document client.
  DynamoDBDocumentClient.prototype.send = function (this: DynamoDBDocumentClient, command: { constructor: { name: string }; input: unknown }, ...rest: unknown[]) {
    collectOversized(command.constructor.name, command.input);
    return (originalSend as (...args: unknown[]) => unknown).call(this, command, ...rest);
  } as typeof originalSend;
  stack = await startTestStack();
  api = apiClient(stack.url);
  org = await createOrgWithKeys(api, 'scale');
  await api.put('/v1/syncs/s', org.key, syncConfig());
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  DynamoDBDocumentClient.prototype.send = originalSend;
});
beforeEach(() => {
  oversized = [];
});

/** Runs `work` for 0..n-1, `concurrency` at a time; the answers in order. */
async function pool<T>(n: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

/** Answers other than 200, grouped by status and message: how many, and the first batch of each. */
function refusals(answers: Array<ApiResult>): Array<{ status: number; count: number; first: number; body: unknown }> {
  const groups = new Map<string, { status: number; count: number; first: number; body: unknown }>();
  answers.forEach((answer, i) => {
    if (answer.status === 200) return;
    const key = `${answer.status} ${JSON.stringify(answer.body?.error?.message ?? answer.body)}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { status: answer.status, count: 1, first: i, body: answer.body });
  });
  return [...groups.values()];
}

/** Batch `i`'s few records, identifiers unique across the run. */
const fewRecords = (i: number): RecordSpec[] =>
  Array.from({ length: RECORDS_PER_BATCH }, (_u, j) => ({ identifier: `b${i}-r${j}@example.com`, payload: { email: `b${i}-r${j}@example.com`, n: j } }));

async function startRun(runId: string) {
  const started = await api.post('/v1/syncs/s/runs', org.key, { runId });
  expect(started.status).toBe(201);
}

async function metadataOf(runId: string) {
  const { s3 } = createClients(stack.settings);
  const object = await s3.send(new GetObjectCommand({ Bucket: stack.settings.bucket, Key: `sync_tracking_datasets/scale/s/${runId}/metadata.json` }));
  return JSON.parse(await object.Body!.transformToString());
}

/** A field name of exactly `length` characters, distinct for each `i`. */
const longField = (i: number, length = 100) => `field_${String(i).padStart(4, '0')}_`.padEnd(length, 'abcdefghij');

describe(`${BATCHES} batches in one run`, () => {
  for (const [label, batchType] of [
    ['128-character batch types', LONG_BATCH_TYPE],
    ['the records_updated batch type', 'records_updated'],
  ] as const) {
    it(
      `counts ${BATCHES} batches with ${label}, completes, reads back, and refuses a late batch with 409`,
      async () => {
        // Arrange
        const runId = `many-${batchType === 'records_updated' ? 'short' : 'long'}`;
        await startRun(runId);

        // Act
        const began = performance.now();
        const answers = await pool(BATCHES, CONCURRENCY, (i) => api.post(`/v1/runs/${runId}/batches`, org.key, batch({ batchType, batchNumber: i }, fewRecords(i))));
        const posted = performance.now();
        const completed = await api.post(`/v1/runs/${runId}/complete`, org.key, {});
        const finished = performance.now();
        const detail = await api.get(`/v1/runs/${runId}`, org.key);
        const late = await api.post(`/v1/runs/${runId}/batches`, org.key, batch({ batchType, batchNumber: BATCHES }, fewRecords(BATCHES)));
        console.log(
          `[soak] ${BATCHES} batches (${label}), concurrency ${CONCURRENCY}: posted in ${((posted - began) / 1000).toFixed(1)} s ` +
            `(${Math.round(BATCHES / ((posted - began) / 1000))} batches/s), completion ${Math.round(finished - posted)} ms; ` +
            `answers: ${JSON.stringify(refusals(answers).map(({ status, count, first }) => ({ status, count, first })))}; completion ${completed.status}`,
        );

        // Assert
        expect(refusals(answers)).toEqual([]);
        expect(completed.status, JSON.stringify(completed.body)).toBe(200);
        expect(completed.body).toMatchObject({ status: 'complete', itemsTotal: BATCHES * RECORDS_PER_BATCH, itemsProcessed: BATCHES * RECORDS_PER_BATCH, batchCount: BATCHES });
        expect(detail.status, JSON.stringify(detail.body)).toBe(200);
        expect(detail.body.batches).toHaveLength(BATCHES);
        expect(detail.body.batches.every((b: any) => b.state === 'done')).toBe(true);
        expect(late.status, JSON.stringify(late.body)).toBe(409);
        expect(oversizedExpressions()).toEqual([]);
      },
      SOAK_MS,
    );
  }
});

describe('many payload fields', () => {
  it('takes one batch whose payload has 3,000 fields of 100-character names, and metadata.json lists them all', async () => {
    // Arrange
    const runId = 'fields-one-batch';
    await startRun(runId);
    const names = Array.from({ length: 3_000 }, (_u, i) => longField(i));
    const payload = Object.fromEntries(names.map((name, i) => [name, i % 3 === 0 ? i : i % 3 === 1 ? `v${i}` : true]));

    // Act
    const began = performance.now();
    const posted = await api.post(`/v1/runs/${runId}/batches`, org.key, batch({}, [{ identifier: 'wide-1', payload }, { identifier: 'wide-2', payload }]));
    const completed = await api.post(`/v1/runs/${runId}/complete`, org.key, {});
    console.log(`[soak] one batch of 2 records × 3,000 fields (100-char names): ${posted.status} in ${Math.round(performance.now() - began)} ms, completion ${completed.status}`);

    // Assert
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body).toMatchObject({ received: 2, succeeded: 2 });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expect(completed.body).toMatchObject({ status: 'complete', itemsTotal: 2, batchCount: 1 });
    const schema = (await metadataOf(runId)).record_payload_schema;
    expect(Object.keys(schema).sort()).toEqual([...names].sort());
    expect(schema[longField(0)]).toBe('number');
    expect(schema[longField(1)]).toBe('string');
    expect(schema[longField(2)]).toBe('boolean');
    expect(oversizedExpressions()).toEqual([]);
  }, SOAK_MS);

  it('takes 3,000 distinct 100-character field names spread over 30 concurrent batches, and metadata.json lists them all', async () => {
    // Arrange
    const runId = 'fields-30-batches';
    await startRun(runId);
    const names = Array.from({ length: 3_000 }, (_u, i) => longField(i));

    // Act
    const began = performance.now();
    const answers = await pool(30, CONCURRENCY, (b) =>
      api.post(
        `/v1/runs/${runId}/batches`,
        org.key,
        batch({ batchNumber: b }, [{ identifier: `spread-${b}`, payload: Object.fromEntries(names.slice(b * 100, b * 100 + 100).map((name) => [name, `b${b}`])) }]),
      ),
    );
    const completed = await api.post(`/v1/runs/${runId}/complete`, org.key, {});
    console.log(`[soak] 30 batches × 100 new fields (100-char names): ${JSON.stringify(refusals(answers).map(({ status, count }) => ({ status, count })))} in ${Math.round(performance.now() - began)} ms, completion ${completed.status}`);

    // Assert
    expect(refusals(answers)).toEqual([]);
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expect(completed.body).toMatchObject({ status: 'complete', itemsTotal: 30, batchCount: 30 });
    const schema = (await metadataOf(runId)).record_payload_schema;
    expect(Object.keys(schema).sort()).toEqual([...names].sort());
    expect(new Set(Object.values(schema))).toEqual(new Set(['string']));
    expect(oversizedExpressions()).toEqual([]);
  }, SOAK_MS);
});

describe('many entity types', () => {
  for (const [label, typeOf] of [
    ['short names', (i: number) => `entity-${String(i).padStart(3, '0')}`],
    ['128-character names', (i: number) => `entity-${String(i).padStart(3, '0')}-`.padEnd(128, 'abcdefghij')],
  ] as const) {
    it(`counts 300 distinct entity types (${label}), 20 per batch, each with succeeded, partial and rejected records`, async () => {
      // Arrange
      const runId = `entities-${label.startsWith('short') ? 'short' : 'long'}`;
      await startRun(runId);
      const TYPES = 300;
      const PER_BATCH = 20;

      // Act
      const began = performance.now();
      const answers = await pool(TYPES / PER_BATCH, CONCURRENCY, async (b) => {
        const body = batch({ batchNumber: b }, []);
        // Every entity type of the batch gets a succeeded, a partial and a rejected record: all four counters.
        body.records = Array.from({ length: PER_BATCH }, (_u, t) => b * PER_BATCH + t).flatMap((type) =>
          (['succeeded', 'partial success', 'rejected'] as const).map((status, k) => ({
            identifier: `e${type}-${k}`,
            payload: { n: k },
            status,
            ...(status === 'rejected' ? { statusMessage: 'Invalid email format' } : {}),
            entityType: typeOf(type),
          })),
        );
        return api.post(`/v1/runs/${runId}/batches`, org.key, body);
      });
      const completed = await api.post(`/v1/runs/${runId}/complete`, org.key, {});
      const detail = await api.get(`/v1/runs/${runId}`, org.key);
      console.log(`[soak] 300 entity types (${label}) in 15 batches: ${JSON.stringify(refusals(answers).map(({ status, count, body }) => ({ status, count, body })))} in ${Math.round(performance.now() - began)} ms, completion ${completed.status}`);

      // Assert
      expect(answers.filter((a) => a.status >= 500).map((a) => a.body)).toEqual([]);
      expect(refusals(answers)).toEqual([]);
      expect(completed.status, JSON.stringify(completed.body)).toBe(200);
      expect(completed.body).toMatchObject({ status: 'partial_complete', itemsTotal: TYPES * 3, itemsProcessed: TYPES * 2, itemsFailed: TYPES, batchCount: TYPES / PER_BATCH });
      expect(detail.status).toBe(200);
      expect(oversizedExpressions()).toEqual([]);
    }, SOAK_MS);
  }

  it('refuses a batch of 21 entity types with 400, not 500', async () => {
    await startRun('entities-too-many');
    const body = batch({}, []);
    body.records = Array.from({ length: 21 }, (_u, t) => ({ identifier: `x${t}`, payload: {}, status: 'succeeded', entityType: `t${t}` }));
    const answer = await api.post('/v1/runs/entities-too-many/batches', org.key, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  });
});
