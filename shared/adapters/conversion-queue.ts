import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { ConversionQueue } from '#domain/ports.ts';

/** Source and detail type a rule on SyncTrail's bus hands to the upload converter: internal, apart from the events others may subscribe to. */
export const CONVERSION_SOURCE = 'synctrail.internal';
export const CONVERSION_DETAIL_TYPE = 'Upload Conversion Requested';

/**
 * AWS: a conversion request goes on SyncTrail's bus in the shape of S3's "Object Created"
 * detail (`detail.object.key`), so the converter reads both the same way.
 */
export class EventBridgeConversionQueue implements ConversionQueue {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async enqueue(uploadKey: string): Promise<void> {
    const { FailedEntryCount, Entries } = await this.client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: this.busName, Source: CONVERSION_SOURCE, DetailType: CONVERSION_DETAIL_TYPE, Detail: JSON.stringify({ object: { key: uploadKey } }) }],
      }),
    );
    if (FailedEntryCount) throw new Error(`EventBridge refused the conversion request: ${Entries?.[0]?.ErrorCode} ${Entries?.[0]?.ErrorMessage}`);
  }
}

/**
 * Local mode: conversions run in this process, in the background, with the converter's
 * retries. `convert` is set once the converter exists (it needs the deps this queue is part of).
 */
export class InProcessConversionQueue implements ConversionQueue {
  convert: ((uploadKey: string) => Promise<void>) | undefined;
  private readonly queued = new Set<string>();

  async enqueue(uploadKey: string): Promise<void> {
    if (!this.convert) throw new Error('no upload converter in this process');
    // One conversion of an object at a time: asking again while it runs changes nothing.
    if (this.queued.has(uploadKey)) return;
    this.queued.add(uploadKey);
    void this.convert(uploadKey).finally(() => this.queued.delete(uploadKey));
  }
}
