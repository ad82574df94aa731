import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { putEvent } from './event-bus.ts';
import { DETAIL_TYPES, type SyncTrailEvent } from '#domain/events.ts';
import type { Deps, Notifier } from '#domain/ports.ts';
import type { QueuedRetries } from '#domain/webhook-entity.ts';
import { continueDelivery, deliverEvent } from '#domain/webhooks.ts';

export const EVENT_SOURCE = 'synctrail';
/** Source and detail type of queued webhook retries: internal, apart from the events others may subscribe to. */
export const RETRIES_SOURCE = 'synctrail.internal';
export const RETRIES_DETAIL_TYPE = 'Webhook Retries Queued';

/** AWS: events go on the bus; a rule hands them to the webhook delivery function (and to anyone's rules). */
export class EventBridgeNotifier implements Notifier {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(event: SyncTrailEvent): Promise<void> {
    await putEvent(this.client, { bus: this.busName, source: EVENT_SOURCE, detailType: DETAIL_TYPES[event.type], detail: event }, 'event');
  }

  async queueRetries(queued: QueuedRetries): Promise<void> {
    await putEvent(this.client, { bus: this.busName, source: RETRIES_SOURCE, detailType: RETRIES_DETAIL_TYPE, detail: queued }, 'queued webhook retries');
  }
}

/** No bus and no local delivery: every event is refused (publishing logs it; a test-send answers its retries not queued). */
export const NO_BUS: Notifier = {
  publish: () => Promise.reject(new Error('no event bus (SYNCTRAIL_EVENT_BUS) and no local delivery: event not delivered')),
  queueRetries: () => Promise.reject(new Error('no event bus (SYNCTRAIL_EVENT_BUS) and no local delivery: retries not queued')),
};

/**
 * Local mode: no bus, so events go straight to the org's webhooks, and queued retries run, in
 * the background (the request that caused them does not wait for receivers). `idle()` waits
 * for deliveries in flight.
 */
export class DirectNotifier implements Notifier {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: () => Deps,
    private readonly onError: (error: unknown) => void = (error) => console.error(JSON.stringify({ level: 'error', message: 'webhook delivery failed', error: String(error) })),
  ) {}

  async publish(event: SyncTrailEvent): Promise<void> {
    this.track(deliverEvent(this.deps(), event));
  }

  async queueRetries(queued: QueuedRetries): Promise<void> {
    this.track(continueDelivery(this.deps(), queued));
  }

  private track(work: Promise<unknown>): void {
    const delivery = work.catch(this.onError);
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }
}
