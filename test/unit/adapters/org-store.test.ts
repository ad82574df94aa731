import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoKeyStore } from '#adapters/dynamodb/org-store.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = new DynamoKeyStore(documentClient, 'synctrail');

const item = (keyId: string) => ({ pk: `KEY#${keyId}`, sk: 'KEY', type: 'key', keyId, orgId: 'acme', label: `label ${keyId}` });
const keysAsked = (call: number) => dynamo.commandCalls(BatchGetCommand)[call]!.args[0].input.RequestItems!.synctrail!.Keys!;

beforeEach(() => {
  dynamo.reset();
});

describe('DynamoKeyStore.getKeys', () => {
  it('asks at most 100 keys a call and answers the keys without their table attributes', async () => {
    // Arrange
    const ids = Array.from({ length: 150 }, (_u, i) => `k${i}`);
    dynamo.on(BatchGetCommand).callsFake((input) => ({ Responses: { synctrail: input.RequestItems.synctrail.Keys.map((k: { pk: string }) => item(k.pk.slice(4))) } }));
    // Act
    const keys = await store.getKeys(ids);
    // Assert
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(2);
    expect([keysAsked(0).length, keysAsked(1).length]).toEqual([100, 50]);
    expect(keys.map((k) => k.keyId).sort()).toEqual([...ids].sort());
    expect(keys[0]).toEqual({ keyId: 'k0', orgId: 'acme', label: 'label k0' });
  });

  it('asks again for the keys DynamoDB left unprocessed', async () => {
    // Arrange
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { synctrail: [item('a')] }, UnprocessedKeys: { synctrail: { Keys: [{ pk: 'KEY#b', sk: 'KEY' }] } } })
      .resolvesOnce({ Responses: { synctrail: [item('b')] } });
    // Act
    const keys = await store.getKeys(['a', 'b']);
    // Assert
    expect(keys.map((k) => k.keyId)).toEqual(['a', 'b']);
    expect(keysAsked(1)).toEqual([{ pk: 'KEY#b', sk: 'KEY' }]);
  });

  it('gives up, saying so, when keys stay unprocessed', async () => {
    // Arrange
    dynamo.on(BatchGetCommand).resolves({ Responses: { synctrail: [] }, UnprocessedKeys: { synctrail: { Keys: [{ pk: 'KEY#a', sk: 'KEY' }] } } });
    // Act + Assert
    await expect(store.getKeys(['a'])).rejects.toThrow('could not read 1 keys after 5 attempts');
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(5);
  });

  it('asks nothing for no ids', async () => {
    expect(await store.getKeys([])).toEqual([]);
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(0);
  });
});
