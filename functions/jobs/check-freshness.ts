import { depsFromEnv } from '#adapters/deps.ts';
import { checkFreshness } from '#domain/alerts.ts';
import { log } from '#http/log.ts';

/** Every 15 minutes (EventBridge Scheduler): freshness rules fire when a signal sync's newest event gets too old. */
export const handler = async () => {
  const result = await checkFreshness(depsFromEnv());
  log('info', 'freshness checked', result);
  return result;
};
