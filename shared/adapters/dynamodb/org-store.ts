import { BatchGetCommand, GetCommand, type BatchGetCommandOutput, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Org } from '#domain/org-entity.ts';
import type { KeyStore, OrgStore } from '#domain/ports.ts';
import type { StoredKey } from '#domain/keys.ts';
import { conditionalWrite, keyPk, orgPk, RUNS_BY_ORG_INDEX } from './table.ts';

const ORGS_PARTITION = 'ORGS';
/** BatchGetItem's limit on keys a call. */
const BATCH_GET_MAX = 100;
const BATCH_GET_ATTEMPTS = 5;

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
          // Every org also sits in one index partition, for jobs that visit them all.
          Item: { pk: orgPk(org.orgId), sk: 'ORG', type: 'org', [RUNS_BY_ORG_INDEX.partitionKey]: ORGS_PARTITION, [RUNS_BY_ORG_INDEX.sortKey]: org.orgId, ...org },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async listOrgIds(): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: RUNS_BY_ORG_INDEX.name,
          KeyConditionExpression: '#pk = :orgs',
          ExpressionAttributeNames: { '#pk': RUNS_BY_ORG_INDEX.partitionKey },
          ExpressionAttributeValues: { ':orgs': ORGS_PARTITION },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      ids.push(...Items.map((item) => String(item.orgId)));
      startKey = LastEvaluatedKey;
    } while (startKey);
    return ids;
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

  async getKeys(keyIds: readonly string[]): Promise<StoredKey[]> {
    const found: StoredKey[] = [];
    for (let start = 0; start < keyIds.length; start += BATCH_GET_MAX) {
      let pending: Array<Record<string, unknown>> | undefined = keyIds.slice(start, start + BATCH_GET_MAX).map((keyId) => ({ pk: keyPk(keyId), sk: 'KEY' }));
      // DynamoDB may leave some keys unprocessed under load: ask again for those, a bounded number of times.
      for (let attempt = 0; pending?.length; attempt += 1) {
        if (attempt === BATCH_GET_ATTEMPTS) throw new Error(`could not read ${pending.length} keys after ${BATCH_GET_ATTEMPTS} attempts`);
        if (attempt) await new Promise((done) => setTimeout(done, 50 * 2 ** attempt));
        const answer: BatchGetCommandOutput = await this.client.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending } } }));
        for (const { pk, sk, type, ...key } of answer.Responses?.[this.table] ?? []) found.push(key as StoredKey);
        pending = answer.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return found;
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
