/** How a run is shown: its context (sync, destination, instance) and the Sync History row of the API. */
import { inProgressOf, recordsOf, unaccountedOf, type Run } from './run-entity.ts';

/** Which run, of which sync, to which destination: the head of every view of a run. */
export function runContext(run: Run) {
  return {
    runId: run.runId,
    syncId: run.syncId,
    entityName: run.entityName,
    syncType: run.syncType,
    destinationId: run.destination.id,
    destinationName: run.destination.name,
    connectionType: run.destination.connectionType,
    destinationObject: run.destinationObject ?? null,
    instance: run.instance ?? null,
  };
}

/** A Sync History row as the API shows it: the documented Sync History fields, plus ours. */
export function presentRun(run: Run, now: Date) {
  const final = run.status !== 'running';
  const processed = run.counts.succeeded + run.counts.partial;
  const itemsTotal = final ? run.itemsTotal! : recordsOf(run.counts);
  const itemsProcessed = final ? run.itemsProcessed! : processed;
  return {
    ...runContext(run),
    entityType: run.entityType ?? null,
    workspaceId: run.workspaceId ?? null,
    operation: run.operation,
    status: run.status,
    statusMessage: run.statusMessage ?? null,
    dryRun: run.dryRun,
    correlationId: run.correlationId ?? null,
    startedAt: run.startedAt,
    executionDate: run.executionDate ?? null,
    itemsTotal,
    itemsProcessed,
    itemsFailed: final ? run.itemsFailed! : run.counts.failed,
    coverageRate: final ? (run.coverageRate ?? null) : itemsTotal === 0 ? null : itemsProcessed / itemsTotal,
    sourceCount: run.sourceCount ?? null,
    unaccountedCount: unaccountedOf(run) ?? null,
    maxEventDate: run.maxEventDate ?? null,
    records: {
      received: run.counts.received,
      succeeded: run.counts.succeeded,
      partialSuccess: run.counts.partial,
      failed: run.counts.failed,
      null: run.counts.null,
      duplicate: run.counts.duplicate,
      inProgress: inProgressOf(run.counts),
      superseded: run.counts.superseded ?? 0,
    },
    batchCount: run.batchCount,
    expiresAt: run.expiresAt,
    recordsExpireAt: run.recordsExpireAt,
    recordsAvailable: !run.dryRun && Date.parse(run.recordsExpireAt) > now.getTime(),
  };
}
