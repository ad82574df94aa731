import { depsFromEnv } from '#adapters/deps.ts';
import { refreshFactTables } from '#domain/facts.ts';
import { log } from '#http/log.ts';

/**
 * Every six hours (EventBridge Scheduler in AWS, a timer in local mode): rewrites each
 * org's `metadata/ORG/{source_objects,destinations,destination_objects}.parquet`.
 * A failure throws, so the schedule's retries and the error alarm see it.
 */
export const handler = async (): Promise<{ orgs: number; rows: Record<string, number> }> => {
  const started = Date.now();
  const result = await refreshFactTables(depsFromEnv());
  log('info', 'fact tables refreshed', { ...result, ms: Date.now() - started });
  return result;
};
