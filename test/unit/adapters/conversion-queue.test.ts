import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventBridgeConversionQueue, InProcessConversionQueue } from '#adapters/conversion-queue.ts';
import { uploadKeysOf } from '../../../functions/ingest/convert-upload.ts';

const client = new EventBridgeClient({ region: 'eu-west-1' });
const eventBridge = mockClient(client);

beforeEach(() => {
  eventBridge.reset();
});

describe('EventBridgeConversionQueue', () => {
  it('puts one internal request on the bus, shaped so the converter reads its key as from S3', async () => {
    // Arrange
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    const key = 'uploads/acme/r1/records_updated.3.0123456789abcdef.ndjson.gz';
    // Act
    await new EventBridgeConversionQueue(client, 'synctrail-bus').enqueue(key);
    // Assert
    const [entry] = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(entry).toEqual({ EventBusName: 'synctrail-bus', Source: 'synctrail.internal', DetailType: 'Upload Conversion Requested', Detail: JSON.stringify({ object: { key } }) });
    expect(uploadKeysOf({ detail: JSON.parse(entry!.Detail!) })).toEqual([key]);
  });

  it('throws when EventBridge refuses the entry (PutEvents answers 200 with a failed count)', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    await expect(new EventBridgeConversionQueue(client, 'b').enqueue('uploads/a/b/c.0.x.ndjson')).rejects.toThrow('EventBridge refused the conversion request: InternalFailure try again');
  });
});

describe('InProcessConversionQueue', () => {
  it('runs one conversion of an object at a time: asking again while it runs changes nothing', async () => {
    // Arrange
    const queue = new InProcessConversionQueue();
    const started: string[] = [];
    let finish: () => void = () => undefined;
    queue.convert = (key) => {
      started.push(key);
      return new Promise<void>((resolve) => (finish = resolve));
    };
    // Act
    await queue.enqueue('uploads/k');
    await queue.enqueue('uploads/k');
    finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await queue.enqueue('uploads/k');
    // Assert
    expect(started).toEqual(['uploads/k', 'uploads/k']);
  });

  it('refuses to queue before a converter is set', async () => {
    await expect(new InProcessConversionQueue().enqueue('uploads/k')).rejects.toThrow('no upload converter in this process');
  });
});
