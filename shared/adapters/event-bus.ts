import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';

/**
 * Puts one event on an EventBridge bus. PutEvents answers 200 even when it refused the entry
 * (`FailedEntryCount`): that is thrown here, naming `what`, so callers' retries see it.
 */
export async function putEvent(client: EventBridgeClient, entry: { bus: string; source: string; detailType: string; detail: unknown }, what: string): Promise<void> {
  const { FailedEntryCount, Entries } = await client.send(
    new PutEventsCommand({ Entries: [{ EventBusName: entry.bus, Source: entry.source, DetailType: entry.detailType, Detail: JSON.stringify(entry.detail) }] }),
  );
  if (FailedEntryCount) throw new Error(`EventBridge refused the ${what}: ${Entries?.[0]?.ErrorCode} ${Entries?.[0]?.ErrorMessage}`);
}
