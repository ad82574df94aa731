import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { putEvent } from './event-bus.ts';
import { DETAIL_TYPES, type SyncTrailEvent } from '#domain/events.ts';
import type { Deps, Notifier } from '#domain/ports.ts';
import { deliverEvent } from '#domain/webhooks.ts';

export const EVENT_SOURCE = 'synctrail';

/** AWS: events go on the bus; a rule hands them to the webhook delivery function (and to anyone's rules). */
export class EventBridgeNotifier implements Notifier {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(event: SyncTrailEvent): Promise<void> {
    await putEvent(this.client, { bus: this.busName, source: EVENT_SOURCE, detailType: DETAIL_TYPES[event.type], detail: event }, 'event');
  }
}

/**
 * Local mode: no bus, so events go straight to the org's webhooks, in the background (the
 * request that caused them does not wait for receivers). `idle()` waits for deliveries in flight.
 */
export class DirectNotifier implements Notifier {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: () => Deps,
    private readonly onError: (error: unknown) => void = (error) => console.error(JSON.stringify({ level: 'error', message: 'webhook delivery failed', error: String(error) })),
  ) {}

  async publish(event: SyncTrailEvent): Promise<void> {
    const delivery = deliverEvent(this.deps(), event).catch(this.onError);
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }
}
