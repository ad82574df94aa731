import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, forgedCursor, isStartKeyRefusal } from './cursor.ts';

/** A filtered listing reads at most this many pages per request, then hands back a cursor. */
const MAX_PAGES_PER_LIST = 20;

function refusedStart(error: unknown): never {
  throw isStartKeyRefusal(error) ? forgedCursor({ reason: 'its position lies outside this listing' }) : error;
}

/**
 * Reads a query until `limit` items matched, or it ran out, or it read its page budget.
 * Each read asks for no more items than are still wanted, so every item read is returned
 * and the position where the reading stopped is a correct cursor. A `startKey` that DynamoDB
 * refuses (outside the key condition: a cursor from a listing with other bounds) is the
 * caller's cursor at fault, and answers 400.
 */
export async function queryPaged(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<{ items: Record<string, unknown>[]; lastKey?: Record<string, unknown> }> {
  const items: Record<string, unknown>[] = [];
  let key = startKey;
  for (let page = 0; page < MAX_PAGES_PER_LIST; page += 1) {
    const read = client.send(new QueryCommand({ ...input, Limit: limit - items.length, ...(key ? { ExclusiveStartKey: key } : {}) }));
    const { Items = [], LastEvaluatedKey } = page === 0 && startKey ? await read.catch(refusedStart) : await read;
    items.push(...Items);
    key = LastEvaluatedKey;
    if (!key || items.length >= limit) break;
  }
  return { items, ...(key ? { lastKey: key } : {}) };
}

/**
 * One partition's items whose `ttl` has not passed, newest sort key first, a page at a time
 * with an opaque cursor: TTL deletes lazily, so reads never rely on it.
 */
export async function listLive(
  client: DynamoDBDocumentClient,
  table: string,
  pk: string,
  page: { limit: number; cursor?: string },
  nowEpochSeconds: number,
): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> {
  const { items, lastKey } = await queryPaged(
    client,
    {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': pk, ':now': nowEpochSeconds },
      ScanIndexForward: false,
    },
    page.limit,
    page.cursor ? { pk, sk: decodeCursor(page.cursor).k } : undefined,
  );
  return { items: items.map(({ pk: _pk, sk: _sk, ttl: _ttl, ...item }) => item), nextCursor: lastKey ? encodeCursor({ k: String(lastKey.sk) }) : null };
}
