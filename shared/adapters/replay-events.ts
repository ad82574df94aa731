import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReplayEvent } from '#domain/dlq.ts';
import type { EventPublisher, Page, PageRequest } from '#domain/ports.ts';
import { listLive } from './dynamodb/paged-query.ts';
import { epochSeconds, replaysPk } from './dynamodb/table.ts';

export const REPLAY_EVENT_SOURCE = 'synctrail';
export const REPLAY_DETAIL_TYPE = 'SyncTrail DLQ Replay';

/**
 * Replay events: kept in the table (what `GET /v1/replays` lists, and all a local producer
 * needs), and in AWS also put on the EventBridge bus that producers subscribe to.
 */
export class ReplayEvents implements EventPublisher {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly bus?: { client: EventBridgeClient; name: string },
  ) {}

  async publishReplay(event: ReplayEvent, expiresAt: string): Promise<void> {
    if (this.bus) {
      const { FailedEntryCount, Entries } = await this.bus.client.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: this.bus.name, Source: REPLAY_EVENT_SOURCE, DetailType: REPLAY_DETAIL_TYPE, Detail: JSON.stringify(event) }],
        }),
      );
      if (FailedEntryCount) throw new Error(`EventBridge refused the replay event: ${Entries?.[0]?.ErrorCode} ${Entries?.[0]?.ErrorMessage}`);
    }
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        // The event's own `type` (dlq.replay) marks the item.
        Item: { pk: replaysPk(event.orgId), sk: `${event.at}#${event.eventId}`, ttl: epochSeconds(expiresAt), ...event },
      }),
    );
  }

  async listReplays(orgId: string, page: PageRequest, nowEpochSeconds: number): Promise<Page<ReplayEvent>> {
    const { items, nextCursor } = await listLive(this.client, this.table, replaysPk(orgId), page, nowEpochSeconds);
    return { items: items as unknown as ReplayEvent[], nextCursor };
  }
}
