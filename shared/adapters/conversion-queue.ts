import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { putEvent } from './event-bus.ts';
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
    await putEvent(this.client, { bus: this.busName, source: CONVERSION_SOURCE, detailType: CONVERSION_DETAIL_TYPE, detail: { object: { key: uploadKey } } }, 'conversion request');
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
