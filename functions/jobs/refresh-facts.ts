import { dropExpiredPartitions } from '#domain/expired-partitions.ts';
import { refreshFactTables } from '#domain/facts.ts';
import { lambdaDeps, lambdaJob } from '#http/lambda.ts';
import { PARQUET_WRITERS } from '#adapters/parquet-writers.ts';
import { log } from '#http/log.ts';

/**
 * Every six hours (EventBridge Scheduler in AWS, a timer in local mode): rewrites each
 * org's `metadata/ORG/{source_objects,destinations,destination_objects}.parquet`, then (managed
 * bucket only) drops the `sync_log` partitions of runs whose files have expired.
 * A failure throws, so the schedule's retries and the error alarm see it.
 */
export const handler = lambdaJob(async (): Promise<{ orgs: number; rows: Record<string, number>; partitions?: { before: string; scanned: number; dropped: number } }> => {
  const deps = lambdaDeps(PARQUET_WRITERS);
  const started = Date.now();
  const result = await refreshFactTables(deps);
  log('info', 'fact tables refreshed', { ...result, ms: Date.now() - started });
  const dropping = Date.now();
  const partitions = await dropExpiredPartitions(deps);
  if (!partitions) return result;
  log('info', 'expired sync_log partitions dropped', { ...partitions, ms: Date.now() - dropping });
  return { ...result, partitions };
});
