import type { Deps } from './ports.ts';

const DAY_MS = 86_400_000;

/**
 * In the managed bucket a run's files and manifests expire by lifecycle rule, but its
 * `sync_log` partition would stay in the catalogue for ever: drops those created more than
 * `dropPartitionsAfterDays` ago. The deployment sets it so that they name only expired files
 * (the longest a run takes batches, plus the files' retention, plus a day). undefined when the
 * deployment keeps its partitions (bring-your-own bucket, local mode).
 */
export async function dropExpiredPartitions(deps: Deps): Promise<{ before: string; scanned: number; dropped: number } | undefined> {
  const days = deps.config.dropPartitionsAfterDays;
  if (!days) return undefined;
  const before = new Date(deps.clock.now().getTime() - days * DAY_MS);
  return { before: before.toISOString(), ...(await deps.partitions.dropCreatedBefore(before)) };
}
