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
  // Each runs whatever the other does; a failure of either still fails the invocation (for its retries).
  const [freshness, deliveries] = await Promise.allSettled([checkFreshness(deps), sweepStuckDeliveries(deps)]);
  if (freshness.status === 'fulfilled') log('info', 'freshness checked', freshness.value);
  if (deliveries.status === 'fulfilled' && deliveries.value.requeued) log('warn', 'lost webhook retries queued again', deliveries.value);
  for (const step of [freshness, deliveries]) if (step.status === 'rejected') throw step.reason;
  return { ...(freshness.status === 'fulfilled' ? freshness.value : {}), ...(deliveries.status === 'fulfilled' ? deliveries.value : {}) };
});
