import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import { classifyError } from './error-catalogue.ts';
import { idSchema } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import { cursorSchema, dateBound, fromBeforeTo, limitSchema } from './query-params.ts';
import { decodePosition, encodePosition, presentRecord, supersessionAlong, walkRun } from './records.ts';
import { runContext } from './run-presenter.ts';
import { runQuerySchema } from './run-schemas.ts';
import { type Run } from './run-entity.ts';
import { outcomeOf, type RecordStatus } from './statuses.ts';
import type { TrackingRow } from './tracking-row.ts';

/** One request looks into at most this many runs, then answers a cursor to go on. */
export const MAX_RUNS_PER_TIMELINE_PAGE = 60;
const RUNS_PER_READ = 30;

const text = z.string().min(1).max(256);

export const identifierPath = z.strictObject({ identifier: z.string().min(1).max(1024) });

export const timelineQuerySchema = z
  .strictObject({
    syncId: idSchema.optional(),
    destinationId: text.optional(),
    /** Runs by execution date, as Sync History filters them. */
    from: dateBound('start').optional(),
    to: dateBound('end').optional(),
    limit: limitSchema,
    cursor: cursorSchema,
  })
  .refine(fromBeforeTo, { message: 'from is after to', path: ['from'] });
export type TimelineQuery = z.infer<typeof timelineQuerySchema>;

const timelineCursorSchema = z.strictObject({ after: z.string().max(2048) });

/** One outcome of the identifier: the record as the run's file has it, with where it went. */
function presentOutcome(run: Run, row: TrackingRow) {
  const { runId: _runId, syncId: _syncId, instance: _instance, ...record } = presentRecord(row);
  const failed = outcomeOf(row.status as RecordStatus) === 'failed';
  return {
    ...runContext(run),
    runStatus: run.status,
    runStartedAt: run.startedAt,
    executionDate: run.executionDate ?? null,
    ...record,
    category: failed ? classifyError(row.status_message).category : null,
  };
}
export type TimelineOutcome = ReturnType<typeof presentOutcome>;

/** Per sync and destination: the latest outcome and how often each outcome happened. */
export function summarizeTimeline(outcomes: TimelineOutcome[]) {
  const byDestination = new Map<string, { syncId: string; entityName: string; destinationId: string; destinationName: string; connectionType: string; latest: TimelineOutcome; counts: Record<'success' | 'partial' | 'failed' | 'in_flight', number> }>();
  for (const outcome of outcomes) {
    const key = `${outcome.syncId}\u0000${outcome.destinationId}`;
    let entry = byDestination.get(key);
    if (!entry) {
      // Outcomes arrive newest first: the first one seen is the latest.
      entry = { syncId: outcome.syncId, entityName: outcome.entityName, destinationId: outcome.destinationId, destinationName: outcome.destinationName, connectionType: outcome.connectionType, latest: outcome, counts: { success: 0, partial: 0, failed: 0, in_flight: 0 } };
      byDestination.set(key, entry);
    }
    entry.counts[outcomeOf(outcome.status as RecordStatus)] += 1;
  }
  return [...byDestination.values()].map(({ latest, ...entry }) => ({
    ...entry,
    lastStatus: latest.status,
    lastStatusMessage: latest.statusMessage,
    lastCategory: latest.category,
    lastRunId: latest.runId,
    lastSeenAt: latest.batchStartedAt,
  }));
}

const tracked = (run: Run, now: Date) => !run.dryRun && Date.parse(run.recordsExpireAt) > now.getTime();

/**
 * `GET /v1/identifiers/{identifier}/timeline`: one record's outcomes across runs, syncs and
 * destinations, newest first ("where did this customer go, and why did Meta reject it but
 * Google not?"). Each run's files are asked for the identifier alone (bloom filters and page
 * indexes), at most MAX_RUNS_PER_TIMELINE_PAGE runs a request; a cursor goes on from there.
 */
export async function identifierTimeline(deps: Deps, principal: Principal, identifier: string, query: TimelineQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const now = deps.clock.now();
  let after = query.cursor ? decodePosition(query.cursor, timelineCursorSchema).after : undefined;
  const outcomes: TimelineOutcome[] = [];
  let scanned = 0;
  const answer = (cursor: string | null) => ({ identifier, items: outcomes, destinations: summarizeTimeline(outcomes), runsRead: scanned, nextCursor: cursor });

  for (;;) {
    const page = await deps.runs.list(
      orgId,
      runQuerySchema.parse({
        limit: RUNS_PER_READ,
        ...(query.syncId ? { syncId: query.syncId } : {}),
        ...(query.destinationId ? { destinationId: query.destinationId } : {}),
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
        ...(after ? { cursor: after } : {}),
      }),
      Math.floor(now.getTime() / 1000),
    );
    for (const run of page.items) {
      after = deps.runs.cursorAfter(run);
      if (!tracked(run, now)) continue;
      scanned += 1;
      // Every row of the identifier in this run (usually one), but those a later record of it in
      // the run superseded: a run is never split across pages. The timeline lists outcomes, and
      // an in-progress report the pipeline later settled is not one: Sync Logs, a run's records
      // and every count leave it out (docs/counting.md), and so does the timeline, items and
      // counts alike, so its in-flight count is what the run counts and its latest outcome is
      // never a report already settled. (Marking them `superseded` instead would put a row in
      // the timeline that no other view shows.) The run's batches tell whether any row is in
      // flight; when none is, nothing more is read.
      const batches = await deps.runs.listBatches(run.orgId, run.runId);
      const along = await supersessionAlong(deps, batches, undefined, identifier);
      const { rows } = await walkRun(deps, run, (_row, place) => !along.superseded(place), Number.MAX_SAFE_INTEGER, undefined, identifier, batches, along.onBatch);
      outcomes.push(...rows.map((row) => presentOutcome(run, row)));
      if (outcomes.length >= query.limit || scanned >= MAX_RUNS_PER_TIMELINE_PAGE) return answer(encodePosition({ after }));
    }
    if (!page.nextCursor) return answer(null);
    after = page.nextCursor;
  }
}
