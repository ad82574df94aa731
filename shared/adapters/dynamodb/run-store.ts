import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { BatchError, BatchRecord } from '#domain/batch-entity.ts';
import type { Page } from '#domain/paging.ts';
import type { RunStore } from '#domain/ports.ts';
import type { FinalRunFields, Run } from '#domain/run-entity.ts';
import type { RunQuery } from '#domain/run-schemas.ts';
import { fieldTypesOf, fitsOnItem, MAX_ITEM_SCHEMA_FIELDS, MAX_ITEM_SCHEMA_NAME_BYTES, newFieldTypes, type FieldTypes, type JsonType } from '#domain/payload.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { queryPaged } from './paged-query.ts';
import { conditionalWrite, epochSeconds, isConditionFailure, runPk, runsByOrgPk, runsBySyncPk, RUNS_BY_ORG_INDEX, RUNS_BY_SYNC_INDEX } from './table.ts';

/** DynamoDB allows 4 KB of update expression; 40 fields stay well inside it. */
const FIELDS_PER_SCHEMA_UPDATE = 40;

const runSortKey = (run: Pick<Run, 'startedAt' | 'runId'>) => `${run.startedAt}#${run.runId}`;

function toItem(run: Run): Record<string, unknown> {
  return {
    pk: runPk(run.orgId, run.runId),
    sk: 'RUN',
    type: 'run',
    [RUNS_BY_ORG_INDEX.partitionKey]: runsByOrgPk(run.orgId),
    [RUNS_BY_ORG_INDEX.sortKey]: runSortKey(run),
    [RUNS_BY_SYNC_INDEX.partitionKey]: runsBySyncPk(run.orgId, run.syncId),
    [RUNS_BY_SYNC_INDEX.sortKey]: runSortKey(run),
    ttl: epochSeconds(run.expiresAt),
    ...run,
  };
}

function fromItem(item: Record<string, unknown>): Run {
  // `countedBatches`: runs stored before the batch items became the counters of record.
  const { pk, sk, type, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ttl, countedBatches, ...run } = item;
  const legacyCount = countedBatches instanceof Set ? countedBatches.size : 0;
  // `payloadSchema`: a string set per field, or one type as a string on runs stored before.
  return { ...(run as unknown as Run), batchCount: typeof run.batchCount === 'number' ? run.batchCount : legacyCount, payloadSchema: fieldTypesOf(run.payloadSchema) };
}

function toBatch(item: Record<string, unknown>): BatchRecord {
  const { pk, sk, type, ttl, ...batch } = item;
  // `payloadFields`: a list per field, or one type as a string on batches stored before.
  return (batch.payloadFields ? { ...batch, payloadFields: fieldTypesOf(batch.payloadFields) } : batch) as unknown as BatchRecord;
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

  async putUploadBatch(batch: BatchRecord, deadClaimedAt?: string): Promise<boolean> {
    const values: Record<string, unknown> = { ':upload': 'upload', ':pending': 'pending', ':failed': 'failed' };
    let replaceable = '#state IN (:pending, :failed)';
    if (deadClaimedAt) {
      // A conversion that died (checked by the caller) under exactly this claim.
      values[':writing'] = 'writing';
      values[':dead'] = deadClaimedAt;
      replaceable = `(${replaceable} OR (#state = :writing AND claimedAt = :dead))`;
    }
    return conditionalWrite(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.batchKey(batch.orgId, batch.runId, batch.batchKey), type: 'batch', ttl: epochSeconds(batch.expiresAt), ...batch },
          ConditionExpression: `attribute_not_exists(pk) OR (#source = :upload AND ${replaceable})`,
          ExpressionAttributeNames: { '#source': 'source', '#state': 'state' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async markConversionStarted(orgId: string, runId: string, batchKey: string, uploadKey: string, previousClaim: string | undefined, claimedAt: string, writeDeadline: string): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.batchKey(orgId, runId, batchKey),
          UpdateExpression: 'SET claimedAt = :claimedAt, writeDeadline = :deadline, conversionAttempts = if_not_exists(conversionAttempts, :zero) + :one',
          ConditionExpression: `#uploadKey = :key AND #state IN (:pending, :writing) AND ${previousClaim ? 'claimedAt = :previous' : 'attribute_not_exists(claimedAt)'}`,
          ExpressionAttributeNames: { '#uploadKey': 'uploadKey', '#state': 'state' },
          ExpressionAttributeValues: {
            ':key': uploadKey,
            ':pending': 'pending',
            ':writing': 'writing',
            ':claimedAt': claimedAt,
            ':deadline': writeDeadline,
            ':zero': 0,
            ':one': 1,
            ...(previousClaim ? { ':previous': previousClaim } : {}),
          },
        }),
      ),
    );
  }

  async beginConversion(
    orgId: string,
    runId: string,
    batchKey: string,
    uploadKey: string,
    fields: Pick<
      BatchRecord,
      'contentHash' | 'counts' | 'entityCounts' | 'maxEventDate' | 'fileKey' | 'conversionStartedAt' | 'payloadFields' | 'payloadFieldsTruncated' | 'finalFailures' | 'claimedAt' | 'writeDeadline'
    >,
    replacing?: string,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state', '#uploadKey': 'uploadKey', '#contentHash': 'contentHash' };
    const values: Record<string, unknown> = { ':writing': 'writing', ':pending': 'pending', ':key': uploadKey, ':hash': fields.contentHash, ...(replacing ? { ':replacing': replacing } : {}) };
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
          // Only the conversion holding the claim; a retried one of the same upload may go on where the first stopped.
          // `replacing`: a dead writer's claim of other content that wrote no file, taken over.
          ConditionExpression: `#uploadKey = :key AND #claimedAt = :claimedAt AND (#state = :pending OR (#state = :writing AND (#contentHash = :hash${replacing ? ' OR #contentHash = :replacing' : ''})))`,
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

  async renewClaim(orgId: string, runId: string, batchKey: string, contentHash: string, claimedAt: string, writeDeadline: string): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.batchKey(orgId, runId, batchKey),
          UpdateExpression: 'SET claimedAt = :claimedAt, writeDeadline = :deadline',
          ConditionExpression: '#state = :writing AND contentHash = :hash',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':writing': 'writing', ':hash': contentHash, ':claimedAt': claimedAt, ':deadline': writeDeadline },
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

  async abandonBatch(orgId: string, runId: string, batchKey: string, claimedAt: string | undefined): Promise<boolean> {
    // A writer that took the claim over meanwhile (a retry) moved `claimedAt`: then it stays.
    return conditionalWrite(
      this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.batchKey(orgId, runId, batchKey),
          ConditionExpression: `#state = :writing AND ${claimedAt ? 'claimedAt = :claimedAt' : 'attribute_not_exists(claimedAt)'}`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':writing': 'writing', ...(claimedAt ? { ':claimedAt': claimedAt } : {}) },
        }),
      ),
    );
  }

  async expireClaim(orgId: string, runId: string, batchKey: string, claimedAt: string, at: string): Promise<void> {
    await conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.batchKey(orgId, runId, batchKey),
          UpdateExpression: 'SET writeDeadline = :at',
          // Any state: a counted batch whose writer failed before its dead letters is finished by others.
          ConditionExpression: 'claimedAt = :claimedAt',
          ExpressionAttributeValues: { ':claimedAt': claimedAt, ':at': at },
        }),
      ),
    );
  }

  async announceBatch(orgId: string, runId: string): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.runKey(orgId, runId),
          UpdateExpression: 'SET #version = #version + :one',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
          ExpressionAttributeValues: { ':one': 1, ':running': 'running' },
        }),
      ),
    );
  }

  async markBatchDone(orgId: string, runId: string, batchKey: string, claimedAt: string | undefined, at: string, fileBytes: number | undefined, dlqPending: boolean): Promise<boolean> {
    const values: Record<string, unknown> = { ':done': 'done', ':writing': 'writing', ':at': at, ':dlq': dlqPending };
    if (fileBytes !== undefined) values[':bytes'] = fileBytes;
    if (claimedAt) values[':claimedAt'] = claimedAt;
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.batchKey(orgId, runId, batchKey),
          UpdateExpression: `SET #state = :done, doneAt = :at, dlqPending = :dlq${fileBytes === undefined ? '' : ', fileBytes = :bytes'}`,
          // Only the claim that wrote (or found) the file: a writer whose claim was taken over does not count it.
          ConditionExpression: `#state = :writing AND ${claimedAt ? 'claimedAt = :claimedAt' : 'attribute_not_exists(claimedAt)'}`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async clearDlqPending(orgId: string, runId: string, batchKey: string): Promise<void> {
    await conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.batchKey(orgId, runId, batchKey),
          UpdateExpression: 'SET dlqPending = :false',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':false': false },
        }),
      ),
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

  async addPayloadFields(orgId: string, runId: string, fields: FieldTypes): Promise<{ schema: FieldTypes; truncated: boolean }> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: this.runKey(orgId, runId), ProjectionExpression: '#schema', ExpressionAttributeNames: { '#schema': 'payloadSchema' }, ConsistentRead: true }),
    );
    let stored = (Item?.payloadSchema ?? {}) as Record<string, unknown>;
    let current = fieldTypesOf(stored);
    // Types of fields the item lists as one string (runs started before fields listed every
    // type) cannot be added to a set: completion lists them from the batches' own schemas.
    const entries = Object.entries(newFieldTypes(fields, current)).filter(([field]) => typeof stored[field] !== 'string');
    let bytes = Object.keys(current).reduce((sum, field) => sum + Buffer.byteLength(field), 0);
    let listed = Object.keys(current).length;
    let truncated = false;
    for (let i = 0; i < entries.length; i += FIELDS_PER_SCHEMA_UPDATE) {
      const chunk: Array<[string, JsonType[], boolean]> = [];
      for (const [field, types] of entries.slice(i, i + FIELDS_PER_SCHEMA_UPDATE)) {
        const isNew = !Object.hasOwn(current, field);
        const size = isNew ? Buffer.byteLength(field) : 0;
        // Names that do not fit on an item (metadata.json lists them at completion), and the bounds.
        if (isNew && (!fitsOnItem(field) || listed + 1 > MAX_ITEM_SCHEMA_FIELDS || bytes + size > MAX_ITEM_SCHEMA_NAME_BYTES)) {
          truncated = true;
          continue;
        }
        chunk.push([field, types, isNew]);
        bytes += size;
        if (isNew) listed += 1;
      }
      if (chunk.length === 0) continue;
      // At most two tries: the second without fields another writer meanwhile listed as one
      // string (an older version of SyncTrail, mid-deploy): a set cannot be ADDed to those.
      let pending = chunk;
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        const added = pending.filter(([, , isNew]) => isNew).length;
        const names: Record<string, string> = { '#schema': 'payloadSchema' };
        const values: Record<string, unknown> = { ':room': MAX_ITEM_SCHEMA_FIELDS - added, ':set': 'SS' };
        // A string set per field: concurrent batches each ADD the types they saw, none lost.
        const adds = pending.map(([field, types], j) => {
          names[`#f${j}`] = field;
          values[`:t${j}`] = new Set(types);
          return `#schema.#f${j} :t${j}`;
        });
        const setsOnly = pending.map((_, j) => ` AND (attribute_not_exists(#schema.#f${j}) OR attribute_type(#schema.#f${j}, :set))`).join('');
        try {
          const { Attributes } = await this.client.send(
            new UpdateCommand({
              TableName: this.table,
              Key: this.runKey(orgId, runId),
              UpdateExpression: `ADD ${adds.join(', ')}`,
              // Concurrent batches add fields too: the list never passes its bound.
              ConditionExpression: `attribute_exists(pk) AND size(#schema) <= :room${setsOnly}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_NEW',
            }),
          );
          stored = (Attributes?.payloadSchema ?? {}) as Record<string, unknown>;
          current = fieldTypesOf(stored);
          bytes = Object.keys(current).reduce((sum, field) => sum + Buffer.byteLength(field), 0);
          listed = Object.keys(current).length;
          break;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          const { Item: now } = await this.client.send(
            new GetCommand({ TableName: this.table, Key: this.runKey(orgId, runId), ProjectionExpression: '#schema', ExpressionAttributeNames: { '#schema': 'payloadSchema' }, ConsistentRead: true }),
          );
          const schemaNow = (now?.payloadSchema ?? {}) as Record<string, unknown>;
          const sets = pending.filter(([field]) => typeof schemaNow[field] !== 'string');
          if (attempt > 0 || sets.length === pending.length) {
            truncated = true;
            break;
          }
          pending = sets;
        }
      }
      if (truncated) break;
    }
    if (truncated) {
      await this.client.send(
        new UpdateCommand({ TableName: this.table, Key: this.runKey(orgId, runId), UpdateExpression: 'SET payloadSchemaTruncated = :true', ExpressionAttributeValues: { ':true': true } }),
      );
    }
    return { schema: current, truncated };
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
