import { checkFreshness } from '#domain/alerts.ts';
import { lambdaDeps, lambdaJob } from '#http/lambda.ts';
import { log } from '#http/log.ts';

/** Every 15 minutes (EventBridge Scheduler): freshness rules fire when a signal sync's newest event gets too old. */
export const handler = lambdaJob(async () => {
  const result = await checkFreshness(lambdaDeps());
  log('info', 'freshness checked', result);
  return result;
});
