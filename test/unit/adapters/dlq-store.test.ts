import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDlqStore } from '#adapters/dynamodb/dlq-store.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = new DynamoDlqStore(documentClient, 'synctrail');

beforeEach(() => {
  dynamo.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
});

/** Every value of the query's key condition: DynamoDB refuses an empty string as a key value (dynalite does not). */
const keyValues = (input: { KeyConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> }) =>
  [...input.KeyConditionExpression!.matchAll(/:\w+/g)].map(([name]) => input.ExpressionAttributeValues![name]);

describe('DynamoDlqStore.pendingPage', () => {
  it('bounds the createdAt range from below only when the filter has `from`, never with an empty key value', async () => {
    // Act
    await store.pendingPage('acme', { syncId: 'aud' }, 1_000);
    await store.pendingPage('acme', { from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T23:59:59.999Z' }, 1_000);

    // Assert
    const [open, bounded] = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(open!.KeyConditionExpression).toBe('#gpk = :gpk AND #gsk <= :hi');
    expect(bounded!.KeyConditionExpression).toBe('#gpk = :gpk AND #gsk BETWEEN :lo AND :hi');
    for (const input of [open!, bounded!]) {
      for (const value of keyValues(input)) expect(value, input.KeyConditionExpression).not.toBe('');
      expect(Object.keys(input.ExpressionAttributeValues!).filter((name) => !input.KeyConditionExpression!.includes(name) && !input.FilterExpression!.includes(name))).toEqual([]);
    }
    expect(bounded!.ExpressionAttributeValues![':lo']).toBe('2026-11-20T00:00:00.000Z');
  });
});
