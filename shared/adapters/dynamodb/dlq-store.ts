import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DlqItem, DlqQuery, DlqState, DlqStoreFilter } from '#domain/dlq-entity.ts';
import type { Page } from '#domain/paging.ts';
import type { DlqStore } from '#domain/ports.ts';
import { trackingFileKey } from '#domain/tracking-row.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { queryPaged } from './paged-query.ts';
import { conditionalWrite, dlqPk, epochSeconds, RUNS_BY_ORG_INDEX } from './table.ts';

/** Items a bulk action's read evaluates at once (DynamoDB also stops a read at 1 MB, about 200 items with their previews). */
const PENDING_READ_ITEMS = 1000;
/** Above every character of an item id: `<to>#<id>` sorts below `<to>#\uffff` for every id. */
const SORT_KEY_TOP = '\uffff';

/** Puts of one batch's dead-letter items run this many at a time. */
const PUT_CONCURRENCY = 8;
const INDEX = RUNS_BY_ORG_INDEX; // gsi1 serves every "newest first" listing; its partition keys never collide.

/** Items stored before payloads were cut held the whole record and no file key: they read as untruncated. */
function toItem({ pk, sk, type, ttl, gsi1pk, gsi1sk, ...stored }: Record<string, unknown>): DlqItem {
  const item = stored as unknown as DlqItem;
  return {
    ...item,
    fileKey: item.fileKey ?? trackingFileKey(item.orgId, item.syncId, item.runId, item.batchType, item.batchNumber),
    payloadTruncated: item.payloadTruncated ?? false,
    payloadBytes: item.payloadBytes ?? Buffer.byteLength(item.payload),
  };
}

export class DynamoDlqStore implements DlqStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(orgId: string, itemId: string) {
    return { pk: dlqPk(orgId), sk: `ITEM#${itemId}` };
  }

  /** Each item is a few KiB at most (dlqItemsOf cuts the payload to a preview), far below DynamoDB's 400 KB. */
  async addItems(items: DlqItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += PUT_CONCURRENCY) {
      await Promise.all(
        items.slice(i, i + PUT_CONCURRENCY).map((item) =>
          // An item already there keeps its state: a retried batch must not revive a discarded one.
          conditionalWrite(
            this.client.send(
              new PutCommand({
                TableName: this.table,
                Item: {
                  ...this.key(item.orgId, item.itemId),
                  type: 'dlq',
                  [INDEX.partitionKey]: dlqPk(item.orgId),
                  [INDEX.sortKey]: `${item.createdAt}#${item.itemId}`,
                  ttl: epochSeconds(item.expiresAt),
                  ...item,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            ),
          ),
        ),
      );
    }
  }

  async get(orgId: string, itemId: string): Promise<DlqItem | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: this.key(orgId, itemId), ConsistentRead: true }));
    return Item ? toItem(Item) : undefined;
  }

  async list(orgId: string, query: DlqQuery, nowEpochSeconds: number): Promise<Page<DlqItem>> {
    const names: Record<string, string> = { '#gpk': INDEX.partitionKey, '#ttl': 'ttl' };
    const values: Record<string, unknown> = { ':gpk': dlqPk(orgId), ':now': nowEpochSeconds };
    const filters = ['#ttl > :now'];
    if (query.syncId) {
      values[':syncId'] = query.syncId;
      filters.push('syncId = :syncId');
    }
    if (query.state) {
      names['#state'] = 'state';
      values[':state'] = query.state;
      filters.push('#state = :state');
    }
    let start: Record<string, unknown> | undefined;
    if (query.cursor) {
      const { k } = decodeCursor(query.cursor);
      start = { ...this.key(orgId, k.slice(k.lastIndexOf('#') + 1)), [INDEX.partitionKey]: dlqPk(orgId), [INDEX.sortKey]: k };
    }
    const { items, lastKey } = await queryPaged(
      this.client,
      {
        TableName: this.table,
        IndexName: INDEX.name,
        KeyConditionExpression: '#gpk = :gpk',
        FilterExpression: filters.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
      },
      query.limit,
      start,
    );
    return { items: items.map(toItem), nextCursor: lastKey ? encodeCursor({ k: String(lastKey[INDEX.sortKey]) }) : null };
  }

  /** The items' `createdAt` range is gsi1's sort key range (`<createdAt>#<itemId>`); the rest is a filter on what that reads. */
  async pendingPage(orgId: string, filter: DlqStoreFilter, nowEpochSeconds: number, cursor?: string): Promise<Page<DlqItem>> {
    const names: Record<string, string> = { '#gpk': INDEX.partitionKey, '#gsk': INDEX.sortKey, '#ttl': 'ttl', '#state': 'state' };
    // No lower bound without `from`: DynamoDB refuses an empty string as a key value (dynalite takes it).
    const values: Record<string, unknown> = { ':gpk': dlqPk(orgId), ...(filter.from ? { ':lo': filter.from } : {}), ':hi': `${filter.to ?? SORT_KEY_TOP}#${SORT_KEY_TOP}`, ':now': nowEpochSeconds, ':pending': 'pending' };
    const filters = ['#ttl > :now', '#state = :pending'];
    for (const key of ['syncId', 'runId'] as const) {
      if (filter[key] === undefined) continue;
      values[`:${key}`] = filter[key];
      filters.push(`${key} = :${key}`);
    }
    let start: Record<string, unknown> | undefined;
    if (cursor) {
      const { k } = decodeCursor(cursor);
      start = { ...this.key(orgId, k.slice(k.lastIndexOf('#') + 1)), [INDEX.partitionKey]: dlqPk(orgId), [INDEX.sortKey]: k };
    }
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.name,
        KeyConditionExpression: filter.from ? '#gpk = :gpk AND #gsk BETWEEN :lo AND :hi' : '#gpk = :gpk AND #gsk <= :hi',
        FilterExpression: filters.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: true,
        Limit: PENDING_READ_ITEMS,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    return { items: Items.map(toItem), nextCursor: LastEvaluatedKey ? encodeCursor({ k: String(LastEvaluatedKey[INDEX.sortKey]) }) : null };
  }

  async transition(orgId: string, itemId: string, from: DlqState, to: DlqState, at: string, by: string): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(orgId, itemId),
          UpdateExpression: 'SET #state = :to, stateChangedAt = :at, stateChangedBy = :by',
          ConditionExpression: '#state = :from',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':from': from, ':to': to, ':at': at, ':by': by },
        }),
      ),
    );
  }
}
