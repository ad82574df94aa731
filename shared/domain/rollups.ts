import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import { NO_ENTITY_TYPE } from './batch.ts';
import { notFound } from './errors.ts';
import { idSchema } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import { cursorSchema, dateBound, fromBeforeTo, limitSchema } from './query-params.ts';
import { presentRun } from './run-presenter.ts';
import { runQuerySchema, type RunQuery } from './run-schemas.ts';
import { withLiveCounts } from './run.ts';
import { type Run } from './run-entity.ts';
import { countLogRows, logStatusFilter, tracked, type LogCards } from './sync-logs.ts';

/**
 * Stats, facets and instances add up run items (their counters); a running run's counters are
 * its done batches, and settling its in-flight records (`withLiveCounts`) reads the identifier
 * columns of the batches from its oldest in-flight one on, a few runs at a time.
 * One request reads at most this many runs; beyond it the answer says `truncated`.
 */
export const MAX_RUNS_PER_ROLLUP = 5000;
const RUNS_PER_READ = 1000;
/** Running runs whose batches are read at once. */
const LIVE_COUNTS_CONCURRENCY = 8;

async function scanRuns(deps: Deps, orgId: string, filter: Partial<RunQuery>, visit: (run: Run) => void, options: { settle: boolean } = { settle: true }): Promise<{ truncated: boolean }> {
  let cursor: string | undefined;
  let seen = 0;
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  do {
    const page = await deps.runs.list(orgId, runQuerySchema.parse({ ...filter, limit: RUNS_PER_READ, ...(cursor ? { cursor } : {}) }), now);
    for (let i = 0; i < page.items.length; i += LIVE_COUNTS_CONCURRENCY) {
      const live = await Promise.all(page.items.slice(i, i + LIVE_COUNTS_CONCURRENCY).map((item) => withLiveCounts(deps, item, options)));
      for (const run of live) visit(run);
    }
    seen += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor && seen < MAX_RUNS_PER_ROLLUP);
  return { truncated: Boolean(cursor) };
}

const text = z.string().min(1).max(256);

export const statsQuerySchema = z
  .strictObject({
    from: dateBound('start').optional(),
    to: dateBound('end').optional(),
    syncId: idSchema.optional(),
    instance: text.optional(),
    entityType: text.optional(),
    /** As in Sync Logs: a partial, case-insensitive match on the source id (the cards then count rows). */
    sourceId: text.optional(),
    status: logStatusFilter.optional(),
  })
  .refine(fromBeforeTo, { message: 'from is after to', path: ['from'] });
export type StatsQuery = z.infer<typeof statsQuerySchema>;

/**
 * A run's cards, from its counters: every record as it was reported (an error run's rows too:
 * Sync Logs shows rows, and Sync History's items failed is where an error run fails them all),
 * less the in-flight reports a later record superseded.
 */
function cardsOf(run: Run, entityType: string | undefined): LogCards {
  const pick = (field: string) => run.entityCounts[`${entityType}|${field}`] ?? 0;
  const counts = entityType
    ? { received: pick('received'), succeeded: pick('succeeded'), partial: pick('partial'), failed: pick('failed'), inFlight: pick('inFlight'), superseded: pick('superseded') }
    : run.counts;
  const superseded = counts.superseded ?? 0;
  return {
    totalOperations: counts.received - superseded,
    success: counts.succeeded,
    partialSuccess: counts.partial,
    failed: counts.failed,
    inProgress: (counts.inFlight ?? 0) - superseded,
  };
}

/**
 * `GET /v1/stats`: the Sync Logs cards over every row Sync Logs lists for these filters (runs
 * that keep row-level records, inside their retention window). Run counters answer unless a
 * Source ID or status filter asks for rows; then the rows are counted (`countedFrom: rows`).
 * Success Rate is successes out of the total; partial successes are a card of their own.
 */
export async function getStats(deps: Deps, principal: Principal, query: StatsQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const { entityType, sourceId, status, ...runFilter } = query;
  const rate = (cards: LogCards) => (cards.totalOperations === 0 ? null : cards.success / cards.totalOperations);
  if (sourceId || status) {
    const counted = await countLogRows(deps, orgId, runFilter, { entityType, sourceId, status });
    return { ...counted, successRate: rate(counted), countedFrom: 'rows' as const };
  }
  const now = deps.clock.now();
  const totals = { totalOperations: 0, success: 0, partialSuccess: 0, failed: 0, inProgress: 0, runs: 0 };
  const { truncated } = await scanRuns(deps, orgId, runFilter, (run) => {
    // Rows only: a run with no batch (OpenLineage, or counts reported at completion) lists none in Sync Logs.
    if (!tracked(run, now) || run.batchCount === 0) return;
    const cards = cardsOf(run, entityType);
    if (entityType && cards.totalOperations === 0) return;
    totals.runs += 1;
    for (const key of Object.keys(cards) as Array<keyof LogCards>) totals[key] += cards[key];
  });
  return { ...totals, successRate: rate(totals), truncated, countedFrom: 'counters' as const };
}

export const facetsQuerySchema = z.strictObject({ instance: text.optional() });

const entityTypesOf = (run: Run) =>
  Object.keys(run.entityCounts)
    .map((key) => key.slice(0, key.lastIndexOf('|')))
    .filter((type) => type !== NO_ENTITY_TYPE);

/** `GET /v1/logs/facets`: the instances, and the entity types of one (Sync Logs' filter lists). */
export async function getLogFacets(deps: Deps, principal: Principal, query: z.infer<typeof facetsQuerySchema>) {
  const orgId = requireOrgKey(principal, 'read');
  const instances = new Set<string>();
  const entityTypes = new Set<string>();
  const { truncated } = await scanRuns(deps, orgId, {}, (run) => {
    if (run.instance) instances.add(run.instance);
    if (query.instance && run.instance !== query.instance) return;
    for (const type of entityTypesOf(run)) entityTypes.add(type);
  }, { settle: false }); // names only: no in-flight record changes which entity types a run has
  return { instances: [...instances].sort(), entityTypes: [...entityTypes].sort(), truncated };
}

interface InstanceTotals {
  instance: string;
  /** Real runs; dry runs are counted apart and add nothing to the totals. */
  runs: number;
  dryRuns: number;
  lastRunAt: string | null;
  lastStatus: Run['status'] | null;
  itemsTotal: number;
  itemsProcessed: number;
  itemsFailed: number;
  statuses: Record<Run['status'], number>;
  syncIds: string[];
  entityTypes: string[];
  correlationIds: string[];
}

const MAX_CORRELATION_IDS = 20;

/** Adds a run to its instance's totals; runs arrive newest first. */
function addToInstance(totals: InstanceTotals | undefined, run: Run, now: Date): InstanceTotals {
  const next: InstanceTotals = totals ?? {
    instance: run.instance!,
    runs: 0,
    dryRuns: 0,
    lastRunAt: null,
    lastStatus: null,
    itemsTotal: 0,
    itemsProcessed: 0,
    itemsFailed: 0,
    statuses: { running: 0, complete: 0, partial_complete: 0, error: 0 },
    syncIds: [],
    entityTypes: [],
    correlationIds: [],
  };
  if (run.dryRun) {
    next.dryRuns += 1;
    return next;
  }
  const shown = presentRun(run, now);
  if (next.runs === 0) {
    next.lastRunAt = run.startedAt;
    next.lastStatus = run.status;
  }
  next.runs += 1;
  next.itemsTotal += shown.itemsTotal;
  next.itemsProcessed += shown.itemsProcessed;
  next.itemsFailed += shown.itemsFailed;
  next.statuses[run.status] += 1;
  if (!next.syncIds.includes(run.syncId)) next.syncIds.push(run.syncId);
  for (const type of entityTypesOf(run)) if (!next.entityTypes.includes(type)) next.entityTypes.push(type);
  if (run.correlationId && next.correlationIds.length < MAX_CORRELATION_IDS && !next.correlationIds.includes(run.correlationId)) {
    next.correlationIds.push(run.correlationId);
  }
  return next;
}

/** `GET /v1/instances`: runs grouped per instance (integration job), newest activity first. */
export async function listInstances(deps: Deps, principal: Principal) {
  const orgId = requireOrgKey(principal, 'read');
  const now = deps.clock.now();
  const byInstance = new Map<string, InstanceTotals>();
  const { truncated } = await scanRuns(deps, orgId, {}, (run) => {
    if (!run.instance) return;
    byInstance.set(run.instance, addToInstance(byInstance.get(run.instance), run, now));
  });
  const items = [...byInstance.values()].sort((a, b) => String(b.lastRunAt).localeCompare(String(a.lastRunAt)));
  return { items, truncated };
}

export const instancePath = z.strictObject({ instance: text });
export const instanceRunsQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });

/** `GET /v1/instances/{instance}`: an instance's totals and its runs with correlation ids. */
export async function getInstance(deps: Deps, principal: Principal, instance: string, query: z.infer<typeof instanceRunsQuerySchema>) {
  const orgId = requireOrgKey(principal, 'read');
  const now = deps.clock.now();
  // The page first: it checks the cursor, and a bad cursor is a 400 whatever else is asked.
  const page = await deps.runs.list(orgId, runQuerySchema.parse({ instance, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }), Math.floor(now.getTime() / 1000));
  let totals: InstanceTotals | undefined;
  await scanRuns(deps, orgId, { instance }, (run) => {
    totals = addToInstance(totals, run, now);
  });
  if (!totals) throw notFound(`instance ${instance}`);
  const runs = await Promise.all(page.items.map((run) => withLiveCounts(deps, run)));
  return { ...totals, items: runs.map((run) => presentRun(run, now)), nextCursor: page.nextCursor };
}
