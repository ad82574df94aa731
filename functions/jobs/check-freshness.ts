import { checkFreshness } from '#domain/alerts.ts';
import { sweepStuckDeliveries } from '#domain/webhooks.ts';
import { lambdaDeps, lambdaJob } from '#http/lambda.ts';
import { log } from '#http/log.ts';

/**
 * Every 15 minutes (EventBridge Scheduler), what goes stale with time alone: freshness rules
 * fire when a signal sync's newest event gets too old, and a test-send's queued webhook
 * retries that were lost are queued again.
 */
export const handler = lambdaJob(async () => {
  const deps = lambdaDeps();
  const freshness = await checkFreshness(deps);
  log('info', 'freshness checked', freshness);
  const deliveries = await sweepStuckDeliveries(deps);
  if (deliveries.requeued) log('warn', 'lost webhook retries queued again', deliveries);
  return { ...freshness, ...deliveries };
});
