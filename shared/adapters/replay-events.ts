import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { putEvent, putEvents } from './event-bus.ts';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReplayEvent } from '#domain/dlq-entity.ts';
import type { Page, PageRequest } from '#domain/paging.ts';
import type { EventPublisher } from '#domain/ports.ts';
import { listLive } from './dynamodb/paged-query.ts';
import { epochSeconds, replaysPk } from './dynamodb/table.ts';

export const REPLAY_EVENT_SOURCE = 'synctrail';
export const REPLAY_DETAIL_TYPE = 'SyncTrail DLQ Replay';

/**
 * Replay events: kept in the table (what `GET /v1/replays` lists, and all a local producer
 * needs), and in AWS also put on the EventBridge bus that producers subscribe to. An event
 * is bounded (its payload whole up to 64 KiB, else a 4 KiB preview and where the record is),
 * so it fits both EventBridge's 256 KB and DynamoDB's 400 KB. The payload is kept as JSON
 * text: any depth (DynamoDB maps nest 32 deep at most) and no per-field overhead.
 */
export class ReplayEvents implements EventPublisher {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly bus?: { client: EventBridgeClient; name: string },
  ) {}

  async publishReplay(event: ReplayEvent, expiresAt: string): Promise<void> {
    if (this.bus) {
      await putEvent(this.bus.client, { bus: this.bus.name, source: REPLAY_EVENT_SOURCE, detailType: REPLAY_DETAIL_TYPE, detail: event }, 'replay event');
    }
    await this.keep(event, expiresAt);
  }

  /**
   * On the bus first (in AWS), then kept in the table, each event at most once: with a bus, an
   * event is sent once the bus took it (a failure to keep it after is the error, not a reason
   * to send it again); without one, once it is kept.
   */
  async publishReplays(replays: ReadonlyArray<{ event: ReplayEvent; expiresAt: string }>): Promise<{ sent: boolean[]; error?: unknown }> {
    const onBus = this.bus
      ? await putEvents(this.bus.client, replays.map(({ event }) => ({ bus: this.bus!.name, source: REPLAY_EVENT_SOURCE, detailType: REPLAY_DETAIL_TYPE, detail: event })), 'replay event')
      : { sent: replays.map(() => true) };
    let error = onBus.error;
    const kept = await Promise.allSettled(replays.map(({ event, expiresAt }, i) => (onBus.sent[i] ? this.keep(event, expiresAt) : Promise.resolve())));
    const failed = kept.find((result) => result.status === 'rejected');
    error ??= failed?.reason;
    return { sent: this.bus ? onBus.sent : kept.map((result) => result.status === 'fulfilled'), ...(error === undefined ? {} : { error }) };
  }

  private async keep(event: ReplayEvent, expiresAt: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        // The event's own `type` (dlq.replay) marks the item.
        Item: { pk: replaysPk(event.orgId), sk: `${event.at}#${event.eventId}`, ttl: epochSeconds(expiresAt), ...event, item: toStoredItem(event.item) },
      }),
    );
  }

  async listReplays(orgId: string, page: PageRequest, nowEpochSeconds: number): Promise<Page<ReplayEvent>> {
    const { items, nextCursor } = await listLive(this.client, this.table, replaysPk(orgId), page, nowEpochSeconds);
    return { items: items.map((stored) => ({ ...stored, item: fromStoredItem(stored.item as Record<string, unknown>) }) as unknown as ReplayEvent), nextCursor };
  }
}

function toStoredItem({ payload, ...item }: ReplayEvent['item']): Record<string, unknown> {
  return { ...item, payloadJson: JSON.stringify(payload) };
}

/** Events stored before payloads were kept as text held the whole record as a map. */
function fromStoredItem({ payloadJson, ...item }: Record<string, unknown>): ReplayEvent['item'] {
  const payload = typeof payloadJson === 'string' ? (JSON.parse(payloadJson) as unknown) : item.payload;
  return {
    payloadTruncated: false,
    payloadBytes: Buffer.byteLength(JSON.stringify(payload) ?? 'null'),
    payloadAvailable: true,
    recordsExpireAt: null,
    ...item,
    payload,
  } as ReplayEvent['item'];
}
