import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRunStore } from '#adapters/dynamodb/run-store.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = new DynamoRunStore(documentClient, 'synctrail');
const counts = { received: 3, succeeded: 1, partial: 1, failed: 1, null: 1, duplicate: 0 };
const totals = { counts, entityCounts: {}, batchCount: 1 };

beforeEach(() => {
  dynamo.reset();
});

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('DynamoRunStore.announceBatch', () => {
  it('bumps the run version in one write, only while the run is running', async () => {
    // Arrange
    dynamo.on(UpdateCommand).resolves({});
    // Act
    const announced = await store.announceBatch('acme', 'run-1');
    // Assert: nothing per batch is added to the run item.
    expect(announced).toBe(true);
    const input = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: 'ORG#acme#RUN#run-1', sk: 'RUN' });
    expect(input.UpdateExpression).toBe('SET #version = #version + :one');
    expect(input.ConditionExpression).toBe('#status = :running');
  });

  it('answers false when the run is no longer running', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    expect(await store.announceBatch('acme', 'run-1')).toBe(false);
  });

  it('lets other failures through rather than guessing', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceeded'));
    await expect(store.announceBatch('acme', 'run-1')).rejects.toThrow('ProvisionedThroughputExceeded');
  });
});

describe('DynamoRunStore.markBatchDone', () => {
  it('counts a batch by moving its own item from writing to done, once, under the claim that wrote it', async () => {
    dynamo.on(UpdateCommand).resolves({});
    expect(await store.markBatchDone('acme', 'run-1', 'records_updated.0', '2026-11-22T23:59:00.000Z', '2026-11-23T00:00:00.000Z', 1234, true)).toBe(true);
    const input = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: 'ORG#acme#RUN#run-1', sk: 'BATCH#records_updated.0' });
    expect(input.ConditionExpression).toBe('#state = :writing AND claimedAt = :claimedAt');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':done': 'done', ':bytes': 1234, ':dlq': true, ':claimedAt': '2026-11-22T23:59:00.000Z' });
  });

  it('answers false when somebody else counted it first', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    expect(await store.markBatchDone('acme', 'run-1', 'records_updated.0', 'c', 'x', undefined, false)).toBe(false);
  });
});

describe('DynamoRunStore.abandonBatch', () => {
  it('deletes a claim only while it is still writing under the same claim', async () => {
    dynamo.on(DeleteCommand).resolves({});
    expect(await store.abandonBatch('acme', 'run-1', 'records_updated.0', '2026-11-23T00:00:00.000Z')).toBe(true);
    const input = dynamo.commandCalls(DeleteCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('#state = :writing AND claimedAt = :claimedAt');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':claimedAt': '2026-11-23T00:00:00.000Z' });
  });
});

describe('DynamoRunStore.finalize', () => {
  it('is conditional on the version it read and on the run still running', async () => {
    dynamo.on(UpdateCommand).resolves({});
    await store.finalize('acme', 'run-1', 7, { status: 'complete', executionDate: '2026-11-23T00:00:00.000Z', itemsTotal: 1, itemsProcessed: 1, itemsFailed: 0, coverageRate: 1, ...totals });
    const input = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('#version = :expected AND #status = :running');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':expected': 7, ':status': 'complete' });
  });

  it('answers false when a batch was counted meanwhile', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    expect(await store.finalize('acme', 'run-1', 7, { status: 'complete', executionDate: 'x', itemsTotal: 0, itemsProcessed: 0, itemsFailed: 0, ...totals })).toBe(false);
  });
});

describe('DynamoRunStore.addPayloadFields', () => {
  it("ADDs each field's new types as a string set, leaving types the item already lists and fields it lists as one string", async () => {
    // Arrange: the item lists ltv as a set, tier as one string (a run stored before sets)
    dynamo.on(GetCommand).resolves({ Item: { payloadSchema: { ltv: new Set(['number']), tier: 'string' } } });
    dynamo.on(UpdateCommand).resolves({ Attributes: { payloadSchema: { ltv: new Set(['number', 'string']), tier: 'string', gone: new Set(['null']) } } });
    // Act
    const answer = await store.addPayloadFields('acme', 'run-1', { ltv: ['string', 'number'], tier: ['number'], gone: ['null'] });
    // Assert
    const input = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.UpdateExpression).toBe('ADD #schema.#f0 :t0, #schema.#f1 :t1');
    expect(input.ExpressionAttributeNames).toEqual({ '#schema': 'payloadSchema', '#f0': 'ltv', '#f1': 'gone' });
    expect(input.ExpressionAttributeValues).toEqual({ ':room': 199, ':set': 'SS', ':t0': new Set(['string']), ':t1': new Set(['null']) });
    expect(input.ConditionExpression).toBe(
      'attribute_exists(pk) AND size(#schema) <= :room AND (attribute_not_exists(#schema.#f0) OR attribute_type(#schema.#f0, :set)) AND (attribute_not_exists(#schema.#f1) OR attribute_type(#schema.#f1, :set))',
    );
    expect(answer).toEqual({ schema: { ltv: ['string', 'number'], tier: ['string'], gone: ['null'] }, truncated: false });
  });

  it('writes nothing when every type is known', async () => {
    dynamo.on(GetCommand).resolves({ Item: { payloadSchema: { ltv: new Set(['number', 'null']) } } });
    const answer = await store.addPayloadFields('acme', 'run-1', { ltv: ['null'] });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(answer).toEqual({ schema: { ltv: ['number', 'null'] }, truncated: false });
  });

  it('adds the other fields when an older writer listed one as a string between the read and the ADD (mid-deploy)', async () => {
    // Arrange: the first read sees nothing; by the ADD, an older SyncTrail set tier to one string.
    dynamo.on(GetCommand).resolvesOnce({ Item: { payloadSchema: {} } }).resolves({ Item: { payloadSchema: { tier: 'number' } } });
    dynamo.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({ Attributes: { payloadSchema: { tier: 'number', ltv: new Set(['number']) } } });
    // Act
    const answer = await store.addPayloadFields('acme', 'run-1', { tier: ['string'], ltv: ['number'] });
    // Assert: tried with both, then with ltv alone; nothing truncated, no 500
    const updates = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates.map((u) => Object.values(u.ExpressionAttributeNames!).slice(1))).toEqual([['tier', 'ltv'], ['ltv']]);
    expect(answer).toEqual({ schema: { tier: ['number'], ltv: ['number'] }, truncated: false });
  });

  it('marks the list truncated when concurrent batches filled it first', async () => {
    dynamo.on(GetCommand).resolves({ Item: { payloadSchema: {} } });
    dynamo.on(UpdateCommand, { UpdateExpression: 'ADD #schema.#f0 :t0' }).rejects(conditionFailed());
    dynamo.on(UpdateCommand, { UpdateExpression: 'SET payloadSchemaTruncated = :true' }).resolves({});
    const answer = await store.addPayloadFields('acme', 'run-1', { late: ['string'] });
    expect(answer.truncated).toBe(true);
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.UpdateExpression)).toEqual(['ADD #schema.#f0 :t0', 'SET payloadSchemaTruncated = :true']);
  });
});
