import type { EventBridgeEvent } from 'aws-lambda';
import { depsFromEnv } from '#adapters/deps.ts';
import type { SyncTrailEvent } from '#domain/events.ts';
import { deliverEvent } from '#domain/webhooks.ts';
import { log } from '#http/log.ts';

/**
 * The target of the bus rule for SyncTrail's run and alert events: delivers each to the
 * org's webhooks (signed, retried with backoff, logged). Failed deliveries are in the log;
 * only a failure to deliver at all (the table unreachable) throws, for Lambda's retries.
 */
export const handler = async (event: EventBridgeEvent<string, SyncTrailEvent>) => {
  const deliveries = await deliverEvent(depsFromEnv(), event.detail);
  log('info', 'event delivered to webhooks', {
    eventId: event.detail.id,
    type: event.detail.type,
    delivered: deliveries.filter((d) => d.state === 'delivered').length,
    failed: deliveries.filter((d) => d.state === 'failed').length,
  });
  return { deliveries: deliveries.length };
};
