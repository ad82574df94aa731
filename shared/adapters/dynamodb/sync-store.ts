import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '#domain/paging.ts';
import type { AlertBasis, SyncStore } from '#domain/ports.ts';
import type { DestinationStatus } from '#domain/statuses.ts';
import type { LastRun, Sync, SyncConfig, Watermark } from '#domain/sync-entity.ts';
import type { AlertRule, AlertState, AlertType } from '#domain/alert-entity.ts';
import { decodeCursor, encodeCursor, POSITIONS } from './cursor.ts';
import { queryPaged } from './paged-query.ts';
import { conditionalWrite, orgPk } from './table.ts';

/** Configuration attributes a PUT may remove; the required ones are always set. */
const OPTIONAL_CONFIG: Array<keyof SyncConfig> = ['entityType', 'instance', 'workspaceId', 'destinationObject', 'coverageThreshold', 'coverageWindow'];

const toSync = (item: Record<string, unknown>): Sync => {
  const { pk, sk, type, hasFreshnessRule, ...sync } = item;
  return sync as unknown as Sync;
};

export class DynamoSyncStore implements SyncStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(orgId: string, syncId: string) {
    return { pk: orgPk(orgId), sk: `SYNC#${syncId}` };
  }

  async get(orgId: string, syncId: string): Promise<Sync | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: this.key(orgId, syncId), ConsistentRead: true }));
    return Item ? toSync(Item) : undefined;
  }

  async create(sync: Sync): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.key(sync.orgId, sync.syncId), type: 'sync', ...sync },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async updateConfig(orgId: string, syncId: string, config: SyncConfig, expectedVersion: number, updatedAt: string): Promise<boolean> {
    const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':next': expectedVersion + 1, ':updatedAt': updatedAt };
    const sets = ['#version = :next', '#updatedAt = :updatedAt'];
    const removes: string[] = [];
    for (const [field, value] of Object.entries(config)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    for (const field of OPTIONAL_CONFIG) {
      if (config[field] !== undefined) continue;
      names[`#${field}`] = field;
      removes.push(`#${field}`);
    }
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(orgId, syncId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          // A freshness rule is judged on a signal sync's watermark: no other type while one is set.
          ConditionExpression: config.syncType === 'signal' ? '#version = :expected' : '#version = :expected AND attribute_not_exists(hasFreshnessRule)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async list(orgId: string, page: PageRequest): Promise<Page<Sync>> {
    // Only `SYNC#<syncId>` can be a position here: any other sort key is outside the listing.
    const start = page.cursor ? { pk: orgPk(orgId), sk: decodeCursor(page.cursor, POSITIONS.sync).k } : undefined;
    const { items, lastKey } = await queryPaged(
      this.client,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': orgPk(orgId), ':prefix': 'SYNC#' },
      },
      page.limit,
      start,
    );
    return {
      items: items.map(toSync),
      nextCursor: lastKey ? encodeCursor({ k: String(lastKey.sk) }) : null,
    };
  }

  async markRunStarted(orgId: string, syncId: string, runId: string, runOrderKey: string): Promise<void> {
    // A failed condition means a newer state is already there: nothing to do.
    await conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(orgId, syncId),
          UpdateExpression: 'SET destinationStatus = :running, currentRunId = :runId, currentRunKey = :key',
          // An older run's retried start must not take the destination back from a newer one.
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(currentRunKey) OR currentRunKey <= :key)',
          ExpressionAttributeValues: { ':running': 'running', ':runId': runId, ':key': runOrderKey },
        }),
      ),
    );
  }

  async markRunFinished(orgId: string, syncId: string, runId: string, status: DestinationStatus, lastRun: LastRun): Promise<void> {
    // A failed condition means a newer state is already there: nothing to do.
    await conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(orgId, syncId),
          UpdateExpression: 'SET destinationStatus = :status, lastRun = :lastRun',
          // A run that finishes after a newer one started leaves the destination to the newer one.
          ConditionExpression: 'currentRunId = :runId',
          ExpressionAttributeValues: { ':status': status, ':lastRun': lastRun, ':runId': runId },
        }),
      ),
    );
  }

  async setAlertRules(orgId: string, syncId: string, rules: AlertRule[], droppedStates: AlertType[]): Promise<false | { previousStates: NonNullable<Sync['alertStates']>; previousRules: AlertRule[] }> {
    const names: Record<string, string> = {};
    droppedStates.forEach((type, i) => (names[`#d${i}`] = type));
    // `hasFreshnessRule` lets a change of sync type refuse itself while a freshness rule is set
    // (updateConfig), and a freshness rule is only set on a sync still of type signal.
    const freshness = rules.some((rule) => rule.type === 'freshness');
    const flag = freshness ? ', hasFreshnessRule = :true' : '';
    const values: Record<string, unknown> = { ':rules': rules, ':zero': 0, ':one': 1, ...(freshness ? { ':true': true, ':signal': 'signal' } : {}) };
    let previousStates: NonNullable<Sync['alertStates']> = {};
    let previousRules: AlertRule[] = [];
    const written = await conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(orgId, syncId),
          // The states before: whoever removed a firing state is the one who says it resolved.
          ReturnValues: 'ALL_OLD',
          // The states map exists from here on, so a rule's state can be set by path. (A state
          // to drop means the map exists; one expression may not both create and trim it.)
          UpdateExpression: droppedStates.length
            ? `SET alertRules = :rules, rulesRevision = if_not_exists(rulesRevision, :zero) + :one${flag} REMOVE ${[...droppedStates.map((_t, i) => `alertStates.#d${i}`), ...(freshness ? [] : ['hasFreshnessRule'])].join(', ')}`
            : `SET alertRules = :rules, rulesRevision = if_not_exists(rulesRevision, :zero) + :one, alertStates = if_not_exists(alertStates, :empty)${flag}${freshness ? '' : ' REMOVE hasFreshnessRule'}`,
          ConditionExpression: freshness ? 'attribute_exists(pk) AND syncType = :signal' : 'attribute_exists(pk)',
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: droppedStates.length ? values : { ...values, ':empty': {} },
        }),
      ).then((answer) => {
        previousStates = (answer.Attributes?.alertStates as NonNullable<Sync['alertStates']> | undefined) ?? {};
        previousRules = (answer.Attributes?.alertRules as AlertRule[] | undefined) ?? [];
        return answer;
      }),
    );
    return written ? { previousStates, previousRules } : false;
  }

  async transitionAlert(orgId: string, syncId: string, type: AlertType, wasFiring: boolean, next: AlertState, basis: AlertBasis): Promise<boolean> {
    const state = wasFiring ? 'alertStates.#type.firing = :true' : 'attribute_exists(alertStates) AND (attribute_not_exists(alertStates.#type) OR alertStates.#type.firing = :false)';
    // Judged on what the sync had when read: a completion since then moved lastRun or the watermark.
    const lastRun = basis.lastRunId === undefined ? 'attribute_not_exists(lastRun)' : 'lastRun.runId = :lastRunId';
    const watermark = basis.maxEventDate === undefined ? 'attribute_not_exists(watermark)' : 'watermark.maxEventDate = :maxEventDate';
    // A missed-run verdict is judged on the newest start as read: a run started since then judged it.
    const start = basis.lastStartKey === undefined ? '' : basis.lastStartKey === null ? ' AND attribute_not_exists(currentRunKey)' : ' AND currentRunKey = :lastStartKey';
    // Judged on the rules as read: a PUT …/alerts since then bumped the revision.
    const revision = basis.rulesRevision === undefined ? 'attribute_not_exists(rulesRevision)' : 'rulesRevision = :rulesRevision';
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(orgId, syncId),
          UpdateExpression: 'SET alertStates.#type = :next',
          ConditionExpression: `(${state}) AND ${lastRun} AND ${watermark} AND ${revision}${start}`,
          ExpressionAttributeNames: { '#type': type },
          ExpressionAttributeValues: {
            ':next': next,
            ...(wasFiring ? { ':true': true } : { ':false': false }),
            ...(basis.lastRunId === undefined ? {} : { ':lastRunId': basis.lastRunId }),
            ...(basis.maxEventDate === undefined ? {} : { ':maxEventDate': basis.maxEventDate }),
            ...(basis.rulesRevision === undefined ? {} : { ':rulesRevision': basis.rulesRevision }),
            ...(typeof basis.lastStartKey === 'string' ? { ':lastStartKey': basis.lastStartKey } : {}),
          },
        }),
      ),
    );
  }

  async advanceWatermark(orgId: string, syncId: string, watermark: Watermark): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(orgId, syncId),
          UpdateExpression: 'SET watermark = :watermark',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(watermark) OR watermark.maxEventDate < :date)',
          ExpressionAttributeValues: { ':watermark': watermark, ':date': watermark.maxEventDate },
        }),
      ),
    );
  }
}
