import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '#domain/paging.ts';
import type { WebhookStore } from '#domain/ports.ts';
import type { Webhook, WebhookDelivery } from '#domain/webhook-entity.ts';
import { listLive, queryPaged } from './paged-query.ts';
import { conditionalWrite, deliveriesPk, epochSeconds, webhooksPk } from './table.ts';

const strip = ({ pk, sk, type, ttl, ...rest }: Record<string, unknown>) => rest;

/** Webhooks (one partition per org) and their delivery log (one partition per webhook, with TTL). */
export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(orgId: string, webhookId: string) {
    return { pk: webhooksPk(orgId), sk: `HOOK#${webhookId}` };
  }

  async create(hook: Webhook): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...this.key(hook.orgId, hook.webhookId), type: 'webhook', ...hook }, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async get(orgId: string, webhookId: string): Promise<Webhook | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: this.key(orgId, webhookId), ConsistentRead: true }));
    return Item ? (strip(Item) as unknown as Webhook) : undefined;
  }

  async list(orgId: string): Promise<Webhook[]> {
    // An org has at most a few dozen webhooks: one page.
    const { items } = await queryPaged(
      this.client,
      { TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :hook)', ExpressionAttributeValues: { ':pk': webhooksPk(orgId), ':hook': 'HOOK#' }, ConsistentRead: true },
      1000,
    );
    return items.map((item) => strip(item) as unknown as Webhook);
  }

  async delete(orgId: string, webhookId: string): Promise<boolean> {
    return conditionalWrite(this.client.send(new DeleteCommand({ TableName: this.table, Key: this.key(orgId, webhookId), ConditionExpression: 'attribute_exists(pk)' })));
  }

  async recordDelivery(delivery: WebhookDelivery, after?: { attempts: number; claimAt?: string }): Promise<boolean> {
    const entry = '#state = :retrying AND eventId = :eventId AND size(attempts) = :attempts';
    const put = new PutCommand({
      TableName: this.table,
      Item: { pk: deliveriesPk(delivery.orgId, delivery.webhookId), sk: `${delivery.createdAt}#${delivery.deliveryId}`, type: 'delivery', ttl: epochSeconds(delivery.expiresAt), ...delivery },
      ...(after
        ? {
            ConditionExpression: after.claimAt ? `${entry} AND (attribute_not_exists(retryRunUntil) OR retryRunUntil < :now)` : `${entry} AND retryRun = :run`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':retrying': 'retrying',
              ':eventId': delivery.eventId,
              ':attempts': after.attempts,
              ...(after.claimAt ? { ':now': after.claimAt } : { ':run': delivery.retryRun }),
            },
          }
        : {}),
    });
    return conditionalWrite(this.client.send(put));
  }

  async listDeliveries(orgId: string, webhookId: string, page: PageRequest, nowEpochSeconds: number): Promise<Page<WebhookDelivery>> {
    const { items, nextCursor } = await listLive(this.client, this.table, deliveriesPk(orgId, webhookId), page, nowEpochSeconds);
    return { items: items.map(({ type: _type, ...delivery }) => delivery as unknown as WebhookDelivery), nextCursor };
  }

  async listRetrying(orgId: string, webhookId: string, sinceIso: string): Promise<WebhookDelivery[]> {
    const { items } = await queryPaged(
      this.client,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk > :since',
        FilterExpression: '#state = :retrying',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':pk': deliveriesPk(orgId, webhookId), ':since': sinceIso, ':retrying': 'retrying' },
        ConsistentRead: true,
      },
      1000,
    );
    return items.map((item) => strip(item) as unknown as WebhookDelivery);
  }

  async markRequeued(delivery: WebhookDelivery, at: string, quietSince: string): Promise<boolean> {
    return conditionalWrite(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: deliveriesPk(delivery.orgId, delivery.webhookId), sk: `${delivery.createdAt}#${delivery.deliveryId}` },
          UpdateExpression: 'SET requeuedAt = :at',
          ConditionExpression:
            '#state = :retrying AND size(attempts) = :attempts AND (attribute_not_exists(retryRunUntil) OR retryRunUntil < :at) AND (attribute_not_exists(requeuedAt) OR requeuedAt < :quietSince)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':retrying': 'retrying', ':attempts': delivery.attempts.length, ':at': at, ':quietSince': quietSince },
        }),
      ),
    );
  }
}
