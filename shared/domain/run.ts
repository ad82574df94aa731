/** The run use cases: start, complete (final counters, watermark, alerts), read one, list Sync History. */
import { boundedEntityCounts, emptyCounts, tallyBatches, type BatchTally } from './batch.ts';
import type { BatchCounts, BatchRecord } from './batch-entity.ts';
import { presentBatch } from './uploads.ts';
import { conflict, DomainError, notFound } from './errors.ts';
import { newId } from './ids.ts';
import type { Principal } from './keys.ts';
import { metadataDocument } from './metadata.ts';
import type { Config, Deps } from './ports.ts';
import type { FinalRunStatus } from './statuses.ts';
import type { LastRun, Sync, Watermark } from './sync-entity.ts';
import { metadataKey } from './tracking-row.ts';
import { hasDigest, runDigestKey } from './run-digest.ts';
import { requireOrgKey } from './authz.ts';
import { evaluateRunAlerts, judgeMissedRun } from './alerts.ts';
import { newEvent, publishQuietly } from './events.ts';
import type { FieldTypes } from './payload.ts';
import { runPayloadSchema, settleBatches, type Waiting } from './recovery.ts';
import { findSuperseded } from './in-flight.ts';
import { destinationStatusOf, inProgressOf, isExpired, recordsOf, runOrderKey, type FinalRunFields, type Run } from './run-entity.ts';
import { loadLiveRun } from './live-run.ts';
import { presentRun } from './run-presenter.ts';
import type { CompleteRunRequest, RunQuery, StartRunRequest } from './run-schemas.ts';

export interface RunOutcome {
  status: FinalRunStatus;
  itemsTotal: number;
  itemsProcessed: number;
  itemsFailed: number;
  coverageRate: number | null;
}


/**
 * Final status and counters: `error` when the producer says so, and then nothing counts as
 * pushed; else `partial_complete` when any record was not processed (failed, still in
 * progress at completion, or said to exist but never sent), else `complete`.
 */
export function finalOutcome(counts: BatchCounts, request: Pick<CompleteRunRequest, 'status' | 'itemsTotal'>): RunOutcome {
  const itemsTotal = Math.max(recordsOf(counts), request.itemsTotal ?? 0);
  const coverage = (processed: number) => (itemsTotal === 0 ? null : processed / itemsTotal);
  if (request.status === 'error') {
    return { status: 'error', itemsTotal, itemsProcessed: 0, itemsFailed: itemsTotal, coverageRate: coverage(0) };
  }
  const itemsProcessed = counts.succeeded + counts.partial;
  const itemsFailed = itemsTotal - itemsProcessed;
  return { status: itemsFailed > 0 ? 'partial_complete' : 'complete', itemsTotal, itemsProcessed, itemsFailed, coverageRate: coverage(itemsProcessed) };
}

/** A readable status message for a run that failed some records but got none from its producer. */
export function summarizeFailures(counts: BatchCounts, outcome: RunOutcome): string | undefined {
  if (outcome.status !== 'partial_complete') return undefined;
  const parts: string[] = [];
  const rejected = counts.failed - counts.null - counts.duplicate;
  if (rejected > 0) parts.push(`${rejected} rejected`);
  if (counts.null > 0) parts.push(`${counts.null} without identifier (NULL)`);
  if (counts.duplicate > 0) parts.push(`${counts.duplicate} duplicate (DUPLICATE)`);
  const inProgress = inProgressOf(counts);
  if (inProgress > 0) parts.push(`${inProgress} still in progress`);
  const notSent = outcome.itemsTotal - recordsOf(counts);
  if (notSent > 0) parts.push(`${notSent} not sent`);
  return `${outcome.itemsFailed} of ${outcome.itemsTotal} records ${inProgress > 0 ? 'not processed' : 'failed'}: ${parts.join(', ')}`;
}

/**
 * The status message a completion stores: the producer's own, else the summary of failures.
 * Records still in flight at completion are always said, whatever the message.
 */
export function completionMessage(counts: BatchCounts, outcome: RunOutcome, producerMessage: string | undefined): string | undefined {
  if (!producerMessage) return summarizeFailures(counts, outcome) ?? (inProgressOf(counts) > 0 ? inFlightNote(counts) : undefined);
  return inProgressOf(counts) > 0 ? `${producerMessage} (${inFlightNote(counts)})` : producerMessage;
}

const inFlightNote = (counts: BatchCounts) => {
  const n = inProgressOf(counts);
  return `${n} ${n === 1 ? 'record was' : 'records were'} still in progress at completion`;
};

/**
 * Sync History's retry rule: a signal sync's event-date marker moves only on a complete or
 * partial-complete run, and only forward; after an error the producer re-reads from the
 * old marker, so nothing is lost.
 */
export function nextWatermark(
  current: Watermark | undefined,
  run: Pick<Run, 'syncType' | 'status' | 'maxEventDate' | 'runId' | 'dryRun'>,
): Watermark | undefined {
  if (run.syncType !== 'signal' || run.dryRun || !run.maxEventDate) return undefined;
  if (run.status !== 'complete' && run.status !== 'partial_complete') return undefined;
  if (current && current.maxEventDate >= run.maxEventDate) return undefined;
  return { maxEventDate: run.maxEventDate, runId: run.runId };
}


export async function startRun(deps: Deps, principal: Principal, syncId: string, request: StartRunRequest) {
  const orgId = requireOrgKey(principal, 'ingest');
  const sync = await deps.syncs.get(orgId, syncId);
  if (!sync) throw notFound(`sync ${syncId}`);
  if (!sync.enabled) throw conflict(`sync ${syncId} is disabled; enable it before starting runs`);

  const now = deps.clock.now();
  const runId = request.runId ?? newId('run', now);
  const candidate = newRun(sync, runId, request, now, deps.config);
  const { created, run } = await deps.runs.create(candidate);
  if (!created) {
    if (run.syncId !== syncId) throw conflict(`run ${runId} already belongs to another sync`);
    if (isExpired(run, now)) throw notFound(`run ${runId}`);
  }
  // Repeated on an idempotent re-post too, so a start that crashed half-way heals.
  if (!run.dryRun && run.status === 'running') {
    await deps.partitions.registerRun(orgId, syncId, runId);
    await deps.syncs.markRunStarted(orgId, syncId, runId, runOrderKey(run));
    // A missed-run rule firing on this sync resolves now (its verdict needs this start).
    if (sync.alertRules?.some((rule) => rule.type === 'missed_run')) await judgeMissedRun(deps, orgId, syncId);
    await deps.files.writeJson(metadataKey(orgId, syncId, runId), metadataDocument(run));
  }
  if (created) await publishQuietly(deps.notifier, newEvent('run.started', orgId, now, { run: presentRun(run, now) }));
  return { created, run: presentRun(created ? run : await withLiveCounts(deps, run), now), watermark: sync.syncType === 'signal' ? (sync.watermark ?? null) : undefined };
}

function newRun(sync: Sync, runId: string, request: StartRunRequest, now: Date, retention: Config): Run {
  return {
    orgId: sync.orgId,
    runId,
    syncId: sync.syncId,
    entityName: sync.name,
    syncType: sync.syncType,
    operation: sync.operation,
    ...(sync.instance ? { instance: sync.instance } : {}),
    ...(sync.entityType ? { entityType: sync.entityType } : {}),
    ...(sync.workspaceId ? { workspaceId: sync.workspaceId } : {}),
    source: sync.source,
    destination: { ...sync.destination, type: sync.destination.type ?? `${sync.destination.connectionType}::Connection` },
    ...(sync.destinationObject ? { destinationObject: sync.destinationObject } : {}),
    status: 'running',
    dryRun: request.dryRun,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
    startedAt: request.startedAt ? new Date(request.startedAt).toISOString() : now.toISOString(),
    createdAt: now.toISOString(),
    counts: emptyCounts(),
    batchCount: 0,
    payloadSchema: {},
    version: 0,
    entityCounts: {},
    // Retention runs from when we received the run, as the bucket's lifecycle does for its files.
    expiresAt: new Date(now.getTime() + retention.historyRetentionDays * 86_400_000).toISOString(),
    recordsExpireAt: new Date(now.getTime() + retention.retentionDays * 86_400_000).toISOString(),
  };
}

const MAX_COMPLETE_ATTEMPTS = 10;

/**
 * Counts a producer reports without posting records (OpenLineage's output statistics):
 * used only when the run counted no batch of its own.
 */
export interface ReportedCounts {
  processed: number;
  failed: number;
}

/** Completion waits at most this long for batches a live writer may still finish, then answers 409. */
export const COMPLETE_WAIT_MS = 10_000;
const COMPLETE_POLL_MS = 250;

/** What a completion did to bring in-flight batches to rest, when it did anything. */
export interface CompletionRecovery {
  rolledForward: string[];
  abandoned: string[];
  waitedMs: number;
}

export async function completeRun(deps: Deps, principal: Principal, runId: string, request: CompleteRunRequest, reported?: ReportedCounts) {
  const orgId = requireOrgKey(principal, 'ingest');
  const began = Date.now();
  const recovery: CompletionRecovery = { rolledForward: [], abandoned: [], waitedMs: 0 };
  const answer = (run: Run, now: Date) => {
    recovery.waitedMs = Date.now() - began < COMPLETE_POLL_MS ? 0 : Date.now() - began;
    const recovered = recovery.rolledForward.length || recovery.abandoned.length || recovery.waitedMs;
    return { ...presentRun(run, now), ...(recovered ? { recovery } : {}) };
  };
  for (let attempt = 0; attempt < MAX_COMPLETE_ATTEMPTS; ) {
    const run = await loadLiveRun(deps, orgId, runId);
    if (run.status !== 'running') {
      // The same completion again is answered with the run; one that would end it otherwise (an
      // error after a success, or an itemsTotal that changes its total or status) is a conflict.
      const again = finalOutcome(run.counts, request);
      if ((request.status === 'error') !== (run.status === 'error') || again.status !== run.status || again.itemsTotal !== run.itemsTotal) {
        const as = `${request.status ?? 'complete'}${request.itemsTotal === undefined ? '' : ` with itemsTotal ${request.itemsTotal}`}`;
        throw conflict(`run ${runId} is already ${run.status} with itemsTotal ${run.itemsTotal}; it cannot be completed again as ${as}`, { status: run.status, itemsTotal: run.itemsTotal });
      }
      // The source count is part of the completion: another one is another completion.
      if (request.sourceCount !== run.sourceCount) {
        const had = run.sourceCount === undefined ? 'no sourceCount' : `sourceCount ${run.sourceCount}`;
        const asked = request.sourceCount === undefined ? 'without one' : `with sourceCount ${request.sourceCount}`;
        throw conflict(`run ${runId} is already ${run.status} with ${had}; it cannot be completed again ${asked}`, { status: run.status, sourceCount: run.sourceCount ?? null });
      }
      const batches = await deps.runs.listBatches(orgId, runId);
      // A counted batch's writer may have died before its dead letters: write them.
      await settleBatches(deps, run, batches);
      await applyCompletion(deps, run, await runPayloadSchema(deps, run, batches));
      // Alert states are conditional writes: evaluating again fires nothing twice.
      await evaluateRunAlerts(deps, run);
      return answer(run, deps.clock.now());
    }
    const settled = await settleBatches(deps, run, await deps.runs.listBatches(orgId, runId));
    recovery.rolledForward.push(...settled.rolledForward);
    recovery.abandoned.push(...settled.abandoned);
    // Read again: what was settled, and what writers did meanwhile, is in this listing.
    const batches = settled.waiting.length ? [] : await deps.runs.listBatches(orgId, runId);
    const stillMoving = settled.waiting.length > 0 || batches.some((b) => b.state === 'writing' || (b.state === 'done' && b.dlqPending));
    if (stillMoving) {
      // Inline batches finish within seconds: wait for them. Uploads take longer: say so now.
      const uploads = settled.waiting.some((w) => w.reason !== 'writing');
      if (uploads || Date.now() - began >= COMPLETE_WAIT_MS) throw stillInFlight(runId, settled.waiting);
      await new Promise((resolve) => setTimeout(resolve, settled.waiting.length ? COMPLETE_POLL_MS : 0));
      continue;
    }
    attempt += 1;

    const tally = await settleInFlight(deps, tallyBatches(batches), batches);
    const counts =
      reported && tally.counts.received === 0
        ? { ...tally.counts, received: reported.processed + reported.failed, succeeded: reported.processed, failed: reported.failed }
        : tally.counts;
    const outcome = finalOutcome(counts, request);
    const maxEventDate = request.maxEventDate ? new Date(request.maxEventDate).toISOString() : tally.maxEventDate;
    const statusMessage = completionMessage(counts, outcome, request.statusMessage);
    const fields: FinalRunFields = {
      ...outcome,
      counts,
      entityCounts: boundedEntityCounts(tally.entityCounts),
      batchCount: tally.batchCount,
      executionDate: deps.clock.now().toISOString(),
      ...(statusMessage ? { statusMessage } : {}),
      ...(request.sourceCount === undefined ? {} : { sourceCount: request.sourceCount }),
      // An error run processed nothing: it has no latest event (the watermark stays, too).
      ...(run.syncType === 'signal' && maxEventDate && outcome.status !== 'error' ? { maxEventDate } : {}),
    };
    if (await deps.runs.finalize(orgId, runId, run.version, fields)) {
      const finalRun: Run = { ...run, ...fields, version: run.version + 1 };
      await applyCompletion(deps, finalRun, await runPayloadSchema(deps, finalRun, batches));
      const now = deps.clock.now();
      // Only the completion that made the run final announces it.
      await publishQuietly(deps.notifier, newEvent('run.completed', orgId, now, { run: presentRun(finalRun, now) }));
      await evaluateRunAlerts(deps, finalRun);
      return answer(finalRun, now);
    }
    // A batch was announced meanwhile: read the run again and recompute.
  }
  throw conflict(`run ${runId} keeps changing under completion; retry`);
}

function stillInFlight(runId: string, waiting: Waiting[]) {
  const uploads = waiting.some((w) => w.reason !== 'writing');
  return new DomainError(
    'conflict',
    uploads
      ? `run ${runId} has uploads not converted yet; complete it once they are done (GET /v1/runs/${runId}/batches)`
      : `run ${runId} has batches still being written; complete it again in a few seconds`,
    { batches: waiting },
  );
}

/**
 * The run's in-flight records settled across its batches: each batch counted the ones it
 * superseded itself; one pass over the files finds those a later batch superseded.
 */
export async function settleInFlight(deps: Deps, tally: BatchTally, batches: BatchRecord[]): Promise<BatchTally> {
  if (inProgressOf(tally.counts) === 0 || tally.batchCount < 2) return tally;
  const found = await findSuperseded(deps.files, batches);
  if (found.total <= (tally.counts.superseded ?? 0)) return tally;
  const entityCounts = { ...tally.entityCounts };
  for (const [type, n] of Object.entries(found.byEntityType)) entityCounts[`${type}|superseded`] = n;
  return { ...tally, counts: { ...tally.counts, superseded: found.total }, entityCounts };
}

/** What completion changes outside the run; idempotent, so a retried completion heals. */
async function applyCompletion(deps: Deps, run: Run, payloadSchema: FieldTypes): Promise<void> {
  if (run.dryRun || run.status === 'running') return;
  const lastRun: LastRun = {
    runId: run.runId,
    status: run.status,
    executionDate: run.executionDate!,
    ...(run.statusMessage ? { statusMessage: run.statusMessage } : {}),
  };
  await deps.syncs.markRunFinished(run.orgId, run.syncId, run.runId, destinationStatusOf(run.status), lastRun);
  // Concurrent batches may have left metadata.json a step behind; the batches are the truth.
  await deps.files.writeJson(metadataKey(run.orgId, run.syncId, run.runId), metadataDocument({ ...run, payloadSchema, payloadSchemaTruncated: false }));
  // Its digest (who it delivered, for run diffs) is built by the converter, off the request;
  // asked again by every repeated completion (the builder skips a digest already there).
  if (hasDigest(run)) await deps.conversions.enqueue(runDigestKey(run.orgId, run.syncId, run.runId));
  // Only signal syncs have a watermark: read the sync back only for them.
  if (run.syncType !== 'signal') return;
  const sync = await deps.syncs.get(run.orgId, run.syncId);
  const watermark = nextWatermark(sync?.watermark, run);
  if (watermark) await deps.syncs.advanceWatermark(run.orgId, run.syncId, watermark);
}

export async function getRun(deps: Deps, principal: Principal, runId: string) {
  const orgId = requireOrgKey(principal, 'read');
  const stored = await loadLiveRun(deps, orgId, runId);
  const batches = await deps.runs.listBatches(orgId, runId);
  const run = stored.status === 'running' ? withTally(stored, await settleInFlight(deps, tallyBatches(batches), batches)) : stored;
  const now = deps.clock.now();
  return {
    ...presentRun(run, now),
    batches: batches
      .sort((a, b) => a.batchType.localeCompare(b.batchType) || a.batchNumber - b.batchNumber)
      .map((b) => presentBatch(b, now)),
  };
}

const withTally = (run: Run, tally: BatchTally): Run => ({ ...run, counts: tally.counts, entityCounts: tally.entityCounts, batchCount: tally.batchCount });

/**
 * A run with its counters as of now: a running run's batch items are added up (they are
 * the counters of record until completion writes the totals on the run).
 */
export async function withLiveCounts(deps: Deps, run: Run, options: { settle: boolean } = { settle: true }): Promise<Run> {
  if (run.status !== 'running') return run;
  const batches = await deps.runs.listBatches(run.orgId, run.runId);
  const tally = tallyBatches(batches);
  // Settling in-flight records reads parquet columns; a caller that needs no counts skips it.
  return withTally(run, options.settle ? await settleInFlight(deps, tally, batches) : tally);
}

export async function listRuns(deps: Deps, principal: Principal, query: RunQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const now = deps.clock.now();
  const page = await deps.runs.list(orgId, query, Math.floor(now.getTime() / 1000));
  const runs = await Promise.all(page.items.map((run) => withLiveCounts(deps, run)));
  return { items: runs.map((run) => presentRun(run, now)), nextCursor: page.nextCursor };
}
