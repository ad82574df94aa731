import { newId } from './ids.ts';

/**
 * What SyncTrail tells the outside world: run starts and completions, alerts entering and
 * leaving their bad state, and a webhook's test. Published on EventBridge in AWS and
 * delivered to the org's webhooks (in local mode, delivered directly).
 */
export const EVENT_TYPES = ['run.started', 'run.completed', 'alert.fired', 'alert.resolved', 'webhook.test'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Event types a webhook may subscribe to: the test goes to the webhook tested, always. */
export const SUBSCRIBABLE_EVENT_TYPES = EVENT_TYPES.filter((type) => type !== 'webhook.test');

export interface SyncTrailEvent {
  id: string;
  type: EventType;
  orgId: string;
  /** When it happened (ISO-8601). */
  createdAt: string;
  data: Record<string, unknown>;
}

/** EventBridge detail types, one per event type, for rules that pick some. */
export const DETAIL_TYPES: Record<EventType, string> = {
  'run.started': 'SyncTrail Run Started',
  'run.completed': 'SyncTrail Run Completed',
  'alert.fired': 'SyncTrail Alert Fired',
  'alert.resolved': 'SyncTrail Alert Resolved',
  'webhook.test': 'SyncTrail Webhook Test',
};

export function newEvent(type: EventType, orgId: string, now: Date, data: Record<string, unknown>): SyncTrailEvent {
  return { id: newId('evt', now), type, orgId, createdAt: now.toISOString(), data };
}

/**
 * Publishes without letting a failure undo what already happened: the run is started or
 * complete whether or not the bus answered. A lost event is logged, never retried by the caller.
 */
export async function publishQuietly(notifier: { publish(event: SyncTrailEvent): Promise<void> }, event: SyncTrailEvent): Promise<void> {
  try {
    await notifier.publish(event);
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', message: 'event not published', eventId: event.id, type: event.type, error: String(error) }));
  }
}
