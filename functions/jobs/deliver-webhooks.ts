import type { EventBridgeEvent } from 'aws-lambda';
import { RETRIES_DETAIL_TYPE, RETRIES_SOURCE } from '#adapters/notifier.ts';
import type { SyncTrailEvent } from '#domain/events.ts';
import { queuedRetriesSchema, type QueuedRetries } from '#domain/webhook-entity.ts';
import { continueDelivery, deliverEvent } from '#domain/webhooks.ts';
import { lambdaDeps, lambdaJob } from '#http/lambda.ts';
import { log } from '#http/log.ts';

/**
 * The target of the bus rules for SyncTrail's run and alert events and for queued retries (a
 * test-send's, after its first attempt): delivers each event to the org's webhooks, or runs the
 * rest of one delivery (signed, retried with backoff, logged). Failed deliveries are in the log;
 * only a failure to deliver at all (the table unreachable) throws, for Lambda's retries; queued retries
 * that are not a test-send's are dropped with a log line.
 */
export const handler = lambdaJob(async (event: EventBridgeEvent<string, SyncTrailEvent | QueuedRetries>) => {
  if (event.source === RETRIES_SOURCE && event['detail-type'] === RETRIES_DETAIL_TYPE) {
    const parsed = queuedRetriesSchema.safeParse(event.detail);
    if (!parsed.success) {
      // Never a test-send's (it would parse): retrying cannot make it one, so it is dropped, said once.
      log('warn', 'queued webhook retries not taken: not a test-send of this deployment', { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) });
      return { deliveries: 0 };
    }
    const queued = parsed.data;
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
