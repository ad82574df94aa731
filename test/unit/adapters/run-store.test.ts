import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRunStore } from '#adapters/dynamodb/run-store.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = new DynamoRunStore(documentClient, 'synctrail');
const counts = { received: 3, succeeded: 1, partial: 1, failed: 1, null: 1, duplicate: 0 };

beforeEach(() => {
  dynamo.reset();
});

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('DynamoRunStore.countBatch', () => {
  it('adds counts and the batch key in one conditional update of the run item', async () => {
    // Arrange
    dynamo.on(UpdateCommand).resolves({});
    // Act
    const outcome = await store.countBatch('acme', 'run-1', 'records_updated.0', counts, { 'item|received': 3, 'item|succeeded': 1 });
    // Assert
    expect(outcome).toBe('counted');
    const calls = dynamo.commandCalls(UpdateCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: 'ORG#acme#RUN#run-1', sk: 'RUN' });
    expect(input.ConditionExpression).toBe('#status = :running AND NOT contains(#counted, :key)');
    expect(input.UpdateExpression).toContain('ADD #counted :keySet');
    expect(input.UpdateExpression).toContain('#version = #version + :one');
    expect(input.UpdateExpression).toContain('#entityCounts.#e0 = if_not_exists(#entityCounts.#e0, :zero) + :e0');
    expect(input.ExpressionAttributeNames).toMatchObject({ '#e0': 'item|received', '#e1': 'item|succeeded' });
    expect(input.ExpressionAttributeValues).toMatchObject({ ':received': 3, ':succeeded': 1, ':partial': 1, ':failed': 1, ':null': 1, ':duplicate': 0, ':key': 'records_updated.0', ':keySet': new Set(['records_updated.0']) });
  });

  it('reports an already-counted batch when the condition fails and the key is in the set', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { pk: 'x', sk: 'RUN', status: 'running', countedBatches: new Set(['records_updated.0']) } });
    expect(await store.countBatch('acme', 'run-1', 'records_updated.0', counts, {})).toBe('already_counted');
  });

  it('reports a run that is no longer running when the condition fails otherwise', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { pk: 'x', sk: 'RUN', status: 'complete' } });
    expect(await store.countBatch('acme', 'run-1', 'records_updated.0', counts, {})).toBe('not_running');
  });

  it('lets other failures through rather than guessing', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceeded'));
    await expect(store.countBatch('acme', 'run-1', 'records_updated.0', counts, {})).rejects.toThrow('ProvisionedThroughputExceeded');
  });
});

describe('DynamoRunStore.finalize', () => {
  it('is conditional on the version it read and on the run still running', async () => {
    dynamo.on(UpdateCommand).resolves({});
    await store.finalize('acme', 'run-1', 7, { status: 'complete', executionDate: '2026-11-23T00:00:00.000Z', itemsTotal: 1, itemsProcessed: 1, itemsFailed: 0, coverageRate: 1 });
    const input = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('#version = :expected AND #status = :running');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':expected': 7, ':status': 'complete' });
  });

  it('answers false when a batch was counted meanwhile', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    expect(await store.finalize('acme', 'run-1', 7, { status: 'complete', executionDate: 'x', itemsTotal: 0, itemsProcessed: 0, itemsFailed: 0 })).toBe(false);
  });
});
