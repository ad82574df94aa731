import type { EventBridgeEvent } from 'aws-lambda';
import { RETRIES_DETAIL_TYPE, RETRIES_SOURCE } from '#adapters/notifier.ts';
import type { SyncTrailEvent } from '#domain/events.ts';
import { continueDelivery, deliverEvent, queuedRetriesSchema, type QueuedRetries } from '#domain/webhooks.ts';
import { lambdaDeps, lambdaJob } from '#http/lambda.ts';
import { log } from '#http/log.ts';

/**
 * The target of the bus rules for SyncTrail's run and alert events and for queued retries (a
 * test-send's, after its first attempt): delivers each event to the org's webhooks, or runs the
 * rest of one delivery (signed, retried with backoff, logged). Failed deliveries are in the log;
 * only a failure to deliver at all (the table unreachable, a malformed retry) throws, for Lambda's retries.
 */
export const handler = lambdaJob(async (event: EventBridgeEvent<string, SyncTrailEvent | QueuedRetries>) => {
  if (event.source === RETRIES_SOURCE && event['detail-type'] === RETRIES_DETAIL_TYPE) {
    const queued = queuedRetriesSchema.parse(event.detail);
    const delivery = await continueDelivery(lambdaDeps(), queued);
    log('info', 'queued webhook retries ran', { deliveryId: queued.deliveryId, webhookId: queued.webhookId, state: delivery?.state ?? 'webhook deleted', attempts: delivery?.attempts.length ?? queued.attempts.length });
    return { deliveries: delivery ? 1 : 0 };
  }
  const detail = event.detail as SyncTrailEvent;
  const deliveries = await deliverEvent(lambdaDeps(), detail);
  log('info', 'event delivered to webhooks', {
    eventId: detail.id,
    type: detail.type,
    delivered: deliveries.filter((d) => d.state === 'delivered').length,
    failed: deliveries.filter((d) => d.state === 'failed').length,
  });
  return { deliveries: deliveries.length };
});
