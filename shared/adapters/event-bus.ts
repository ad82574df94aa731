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

/** PutEvents takes at most this many entries per call… */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** …and at most this many bytes in all (each entry's source, detail type and detail, plus 14 for its time). */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

type Entry = { bus: string; source: string; detailType: string; detail: unknown };

const entryBytes = (entry: { source: string; detailType: string; detailText: string }) =>
  14 + Buffer.byteLength(entry.source) + Buffer.byteLength(entry.detailType) + Buffer.byteLength(entry.detailText);

/**
 * Puts many events, in as few PutEvents calls as its limits allow (in order). Answers which
 * entries the bus took and the first failure; it stops at a failure (a thrown call marks its
 * whole group unsent, a refused entry only itself) and never throws.
 */
export async function putEvents(client: EventBridgeClient, entries: readonly Entry[], what: string): Promise<{ sent: boolean[]; error?: unknown }> {
  const sent = entries.map(() => false);
  const prepared = entries.map((entry) => ({ ...entry, detailText: JSON.stringify(entry.detail) }));
  let first = 0;
  while (first < prepared.length) {
    let end = first;
    let bytes = 0;
    while (end < prepared.length && end - first < PUT_EVENTS_MAX_ENTRIES && (end === first || bytes + entryBytes(prepared[end]!) <= PUT_EVENTS_MAX_BYTES)) {
      bytes += entryBytes(prepared[end]!);
      end += 1;
    }
    const group = prepared.slice(first, end);
    try {
      const { FailedEntryCount, Entries = [] } = await client.send(
        new PutEventsCommand({ Entries: group.map((entry) => ({ EventBusName: entry.bus, Source: entry.source, DetailType: entry.detailType, Detail: entry.detailText })) }),
      );
      group.forEach((_entry, i) => (sent[first + i] = !Entries[i]?.ErrorCode));
      if (FailedEntryCount) {
        const refused = Entries.find((entry) => entry.ErrorCode);
        return { sent, error: new Error(`EventBridge refused ${FailedEntryCount} ${what}(s): ${refused?.ErrorCode} ${refused?.ErrorMessage}`) };
      }
    } catch (error) {
      return { sent, error };
    }
    first = end;
  }
  return { sent };
}
