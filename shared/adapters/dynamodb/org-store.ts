import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Org } from '#domain/org.ts';
import type { KeyStore, OrgStore } from '#domain/ports.ts';
import type { StoredKey } from '#domain/keys.ts';
import { conditionalWrite, keyPk, orgPk } from './table.ts';

export class DynamoOrgStore implements OrgStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async createOrg(org: Org): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: orgPk(org.orgId), sk: 'ORG', type: 'org', ...org },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getOrg(orgId: string): Promise<Org | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: orgPk(orgId), sk: 'ORG' } }));
    if (!Item) return undefined;
    return { orgId: Item.orgId, createdAt: Item.createdAt, ...(Item.name ? { name: Item.name } : {}) };
  }
}

export class DynamoKeyStore implements KeyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putKey(key: StoredKey): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: keyPk(key.keyId), sk: 'KEY', type: 'key', ...key },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getKey(keyId: string): Promise<StoredKey | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: keyPk(keyId), sk: 'KEY' }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk, sk, type, ...key } = Item;
    return key as StoredKey;
  }

  async revokeKey(orgId: string, keyId: string, at: string): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keyPk(keyId), sk: 'KEY' },
          UpdateExpression: 'SET revokedAt = :at',
          // Another org's key id answers exactly like a missing one.
          ConditionExpression: 'attribute_exists(pk) AND orgId = :org AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':at': at, ':org': orgId },
        }),
      ),
    );
  }
}
