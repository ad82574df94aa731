import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { BatchCounts, BatchError, BatchRecord, EntityCounts } from '#domain/batch.ts';
import type { Page, RunStore } from '#domain/ports.ts';
import type { FinalRunFields, JsonType, Run, RunQuery } from '#domain/run.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { queryPaged } from './paged-query.ts';
import { conditionalWrite, epochSeconds, isConditionFailure, runPk, runsByOrgPk, runsBySyncPk, RUNS_BY_ORG_INDEX, RUNS_BY_SYNC_INDEX } from './table.ts';

const COUNT_FIELDS: Array<keyof BatchCounts> = ['received', 'succeeded', 'partial', 'failed', 'null', 'duplicate'];
/** DynamoDB allows 4 KB of update expression; 40 fields stay well inside it. */
const FIELDS_PER_SCHEMA_UPDATE = 40;

const runSortKey = (run: Pick<Run, 'startedAt' | 'runId'>) => `${run.startedAt}#${run.runId}`;

function toItem(run: Run): Record<string, unknown> {
  const { countedBatches, ...rest } = run;
  return {
    pk: runPk(run.orgId, run.runId),
    sk: 'RUN',
    type: 'run',
    [RUNS_BY_ORG_INDEX.partitionKey]: runsByOrgPk(run.orgId),
    [RUNS_BY_ORG_INDEX.sortKey]: runSortKey(run),
    [RUNS_BY_SYNC_INDEX.partitionKey]: runsBySyncPk(run.orgId, run.syncId),
    [RUNS_BY_SYNC_INDEX.sortKey]: runSortKey(run),
    ttl: epochSeconds(run.expiresAt),
    ...rest,
    // An empty set cannot be stored; the attribute appears with the first counted batch.
    ...(countedBatches.length ? { countedBatches: new Set(countedBatches) } : {}),
  };
}

function fromItem(item: Record<string, unknown>): Run {
  const { pk, sk, type, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ttl, countedBatches, ...run } = item;
  return { ...(run as unknown as Run), countedBatches: countedBatches instanceof Set ? [...countedBatches].map(String).sort() : [] };
}

function toBatch(item: Record<string, unknown>): BatchRecord {
  const { pk, sk, type, ttl, ...batch } = item;
  return batch as unknown as BatchRecord;
}

export class DynamoRunStore implements RunStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private runKey(orgId: string, runId: string) {
    return { pk: runPk(orgId, runId), sk: 'RUN' };
  }

  private batchKey(orgId: string, runId: string, batchKey: string) {
    return { pk: runPk(orgId, runId), sk: `BATCH#${batchKey}` };
  }

  async create(run: Run): Promise<{ created: boolean; run: Run }> {
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: toItem(run), ConditionExpression: 'attribute_not_exists(pk)' }));
      return { created: true, run };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(run.orgId, run.runId);
      if (!existing) throw error;
      return { created: false, run: existing };
    }
  }

  async get(orgId: string, runId: string): Promise<Run | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: this.runKey(orgId, runId), ConsistentRead: true }));
    return Item ? fromItem(Item) : undefined;
  }

  async list(orgId: string, query: RunQuery, nowEpochSeconds: number): Promise<Page<Run>> {
    const index = query.syncId ? RUNS_BY_SYNC_INDEX : RUNS_BY_ORG_INDEX;
    const partition = query.syncId ? runsBySyncPk(orgId, query.syncId) : runsByOrgPk(orgId);
    const names: Record<string, string> = { '#gpk': index.partitionKey, '#ttl': 'ttl' };
    const values: Record<string, unknown> = { ':gpk': partition, ':now': nowEpochSeconds };
    let keyCondition = '#gpk = :gpk';
    const filters = ['#ttl > :now'];

    const equals = (path: string[], value: string | undefined, name: string) => {
      if (value === undefined) return;
      const expr = path.map((part) => {
        names[`#${part}`] = part;
        return `#${part}`;
      });
      values[`:${name}`] = value;
      filters.push(`${expr.join('.')} = :${name}`);
    };
    equals(['syncType'], query.syncType, 'syncType');
    equals(['status'], query.status, 'status');
    equals(['instance'], query.instance, 'instance');
    equals(['destination', 'id'], query.destinationId, 'destinationId');
    equals(['destination', 'connectionType'], query.connectionType, 'connectionType');

    if (query.from || query.to) {
      // Execution date for finished runs, start for running ones. A run executes after it
      // starts, so `to` also bounds the index's sort key (startedAt#runId).
      names['#executionDate'] = 'executionDate';
      names['#startedAt'] = 'startedAt';
      const range = (attr: string) =>
        [query.from ? `${attr} >= :from` : undefined, query.to ? `${attr} <= :to` : undefined].filter(Boolean).join(' AND ');
      if (query.from) values[':from'] = query.from;
      if (query.to) {
        values[':to'] = query.to;
        names['#gsk'] = index.sortKey;
        values[':toKey'] = `${query.to}#\uffff`;
        keyCondition += ' AND #gsk <= :toKey';
      }
      filters.push(
        `((attribute_exists(#executionDate) AND ${range('#executionDate')}) OR (attribute_not_exists(#executionDate) AND ${range('#startedAt')}))`,
      );
    }

    let startKey: Record<string, unknown> | undefined;
    if (query.cursor) {
      const { k } = decodeCursor(query.cursor);
      const runId = k.slice(k.lastIndexOf('#') + 1);
      startKey = { ...this.runKey(orgId, runId), [index.partitionKey]: partition, [index.sortKey]: k };
    }
    const { items, lastKey } = await queryPaged(
      this.client,
      {
        TableName: this.table,
        IndexName: index.name,
        KeyConditionExpression: keyCondition,
        FilterExpression: filters.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
      },
      query.limit,
      startKey,
    );
    return { items: items.map(fromItem), nextCursor: lastKey ? encodeCursor({ k: String(lastKey[index.sortKey]) }) : null };
  }

  cursorAfter(run: Run): string {
    return encodeCursor({ k: runSortKey(run) });
  }

  async getBatch(orgId: string, runId: string, batchKey: string): Promise<BatchRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: this.batchKey(orgId, runId, batchKey), ConsistentRead: true }),
    );
    return Item ? toBatch(Item) : undefined;
  }

  async claimBatch(batch: BatchRecord): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.batchKey(batch.orgId, batch.runId, batch.batchKey), type: 'batch', ttl: epochSeconds(batch.expiresAt), ...batch },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async putUploadBatch(batch: BatchRecord): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.batchKey(batch.orgId, batch.runId, batch.batchKey), type: 'batch', ttl: epochSeconds(batch.expiresAt), ...batch },
          ConditionExpression: 'attribute_not_exists(pk) OR (#source = :upload AND #state IN (:pending, :failed))',
          ExpressionAttributeNames: { '#source': 'source', '#state': 'state' },
          ExpressionAttributeValues: { ':upload': 'upload', ':pending': 'pending', ':failed': 'failed' },
        }),
      ),
    );
  }

  async beginConversion(
    orgId: string,
    runId: string,
    batchKey: string,
    uploadKey: string,
    fields: Pick<BatchRecord, 'contentHash' | 'counts' | 'entityCounts' | 'maxEventDate' | 'fileKey' | 'conversionStartedAt'>,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state', '#uploadKey': 'uploadKey', '#contentHash': 'contentHash' };
    const values: Record<string, unknown> = { ':writing': 'writing', ':pending': 'pending', ':key': uploadKey, ':hash': fields.contentHash };
    const sets = ['#state = :writing'];
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined || field === 'contentHash') continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    sets.push('#contentHash = :hash');
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.batchKey(orgId, runId, batchKey),
          UpdateExpression: `SET ${sets.join(', ')}`,
          // A retried conversion of the same upload may go on where the first stopped.
          ConditionExpression: '#uploadKey = :key AND (#state = :pending OR (#state = :writing AND #contentHash = :hash))',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async failUpload(orgId: string, runId: string, batchKey: string, uploadKey: string, error: BatchError): Promise<void> {
    // Only the batch's current upload, and only while not done: a later upload has the last word.
    await conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.batchKey(orgId, runId, batchKey),
          UpdateExpression: 'SET #state = :failed, #error = :error',
          ConditionExpression: '#uploadKey = :key AND #state IN (:pending, :writing)',
          ExpressionAttributeNames: { '#state': 'state', '#error': 'error', '#uploadKey': 'uploadKey' },
          ExpressionAttributeValues: { ':failed': 'failed', ':error': error, ':key': uploadKey, ':pending': 'pending', ':writing': 'writing' },
        }),
      ),
    );
  }

  async releaseBatch(orgId: string, runId: string, batchKey: string): Promise<void> {
    // Only a claim still being written is released; a done batch stays.
    await conditionalWrite(
      this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.batchKey(orgId, runId, batchKey),
          ConditionExpression: '#state = :writing',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':writing': 'writing' },
        }),
      ),
    );
  }

  async countBatch(
    orgId: string,
    runId: string,
    batchKey: string,
    counts: BatchCounts,
    entityCounts: EntityCounts,
  ): Promise<'counted' | 'already_counted' | 'not_running'> {
    const names: Record<string, string> = { '#counts': 'counts', '#status': 'status', '#version': 'version', '#counted': 'countedBatches' };
    const values: Record<string, unknown> = { ':running': 'running', ':one': 1, ':key': batchKey, ':keySet': new Set([batchKey]) };
    const sets = COUNT_FIELDS.map((field) => {
      names[`#${field}`] = field;
      values[`:${field}`] = counts[field];
      return `#counts.#${field} = #counts.#${field} + :${field}`;
    });
    Object.entries(entityCounts).forEach(([key, value], i) => {
      // Flat keys (`type|field`) under one map: no parent map to create first.
      names['#entityCounts'] = 'entityCounts';
      names[`#e${i}`] = key;
      values[`:e${i}`] = value;
      values[':zero'] = 0;
      sets.push(`#entityCounts.#e${i} = if_not_exists(#entityCounts.#e${i}, :zero) + :e${i}`);
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.runKey(orgId, runId),
          UpdateExpression: `SET ${sets.join(', ')}, #version = #version + :one ADD #counted :keySet`,
          ConditionExpression: '#status = :running AND NOT contains(#counted, :key)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return 'counted';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const run = await this.get(orgId, runId);
      if (run?.countedBatches.includes(batchKey)) return 'already_counted';
      return 'not_running';
    }
  }

  async markBatchDone(orgId: string, runId: string, batchKey: string, at: string, fileBytes?: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.batchKey(orgId, runId, batchKey),
        UpdateExpression: `SET #state = :done, doneAt = if_not_exists(doneAt, :at)${fileBytes === undefined ? '' : ', fileBytes = :bytes'}`,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':done': 'done', ':at': at, ...(fileBytes === undefined ? {} : { ':bytes': fileBytes }) },
      }),
    );
  }

  async listBatches(orgId: string, runId: string): Promise<BatchRecord[]> {
    const batches: BatchRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': runPk(orgId, runId), ':prefix': 'BATCH#' },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      batches.push(...Items.map(toBatch));
      startKey = LastEvaluatedKey;
    } while (startKey);
    return batches;
  }

  async addPayloadFields(orgId: string, runId: string, fields: Record<string, JsonType>): Promise<Record<string, JsonType>> {
    const entries = Object.entries(fields);
    let schema: Record<string, JsonType> = {};
    for (let i = 0; i < entries.length; i += FIELDS_PER_SCHEMA_UPDATE) {
      const names: Record<string, string> = { '#schema': 'payloadSchema' };
      const values: Record<string, unknown> = {};
      const sets = entries.slice(i, i + FIELDS_PER_SCHEMA_UPDATE).map(([field, type], j) => {
        names[`#f${j}`] = field;
        values[`:t${j}`] = type;
        // The first type seen for a field wins, whichever batch gets there first.
        return `#schema.#f${j} = if_not_exists(#schema.#f${j}, :t${j})`;
      });
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.runKey(orgId, runId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      schema = (Attributes?.payloadSchema ?? {}) as Record<string, JsonType>;
    }
    return schema;
  }

  async finalize(orgId: string, runId: string, expectedVersion: number, fields: FinalRunFields): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status', '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1, ':running': 'running' };
    const sets = ['#version = #version + :one'];
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.runKey(orgId, runId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#version = :expected AND #status = :running',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}
