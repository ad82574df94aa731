import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import { idSchema } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import { cursorSchema, limitSchema } from './query-params.ts';
import { decodePosition, encodePosition, presentRecord, scanRun, supersessionAlong, walkRun, type Position, type RowPlace, type RunSupersession, type WalkColumns } from './records.ts';
import { runQuerySchema, type RunQuery } from './run-schemas.ts';
import { type Run } from './run-entity.ts';
import {
  invalidReasonOf,
  LOG_STATUSES,
  logStatusOf,
  normalizeStatusFilter,
  parseLogStatus,
  type InvalidReason,
  type LogStatus,
  type RecordStatus,
} from './statuses.ts';
import type { TrackingRow } from './tracking-row.ts';
import { filedBatches } from './in-flight.ts';
import { DUPLICATE_MESSAGE, NULL_MESSAGE } from './batch.ts';

/** A Sync Logs request reads at most this many runs' files, then hands back a cursor. */
export const MAX_RUNS_PER_LOGS_PAGE = 30;
const RUNS_PER_READ = 25;

const text = z.string().min(1).max(256);

/** Which rows a Sync Logs status filter keeps: by badge, or by stored status. */
export interface LogStatusFilter {
  badges: Set<LogStatus>;
  stored: Set<RecordStatus>;
}

/**
 * `status=failed,in_progress`: Sync Logs badges (`success`, `completed`, `partial_success`,
 * `partially_failed`, `in_progress`, `extracting`, `failed`, `extraction_failed`), or any
 * stored status or producer word (`rejected`, `NULL`, `DUPLICATE`, `invalid` for both).
 */
export const logStatusFilter = z
  .string()
  .min(1)
  .max(512)
  .transform((value, ctx) => {
    const filter: LogStatusFilter = { badges: new Set(), stored: new Set() };
    for (const word of value.split(',')) {
      const badge = parseLogStatus(word);
      if (badge) {
        filter.badges.add(badge);
        continue;
      }
      if (word.trim().toLowerCase() === 'invalid') {
        filter.stored.add('NULL');
        filter.stored.add('DUPLICATE');
        continue;
      }
      const status = normalizeStatusFilter(word);
      if (!status) {
        ctx.addIssue({ code: 'custom', message: `unknown status '${word}'; use one of ${LOG_STATUSES.join(', ')} (or a stored status: rejected, NULL, DUPLICATE, invalid)` });
        return z.NEVER;
      }
      filter.stored.add(status);
    }
    return filter;
  });

const matchesStatus = (filter: LogStatusFilter, row: Pick<WalkColumns, 'status' | 'reported_status'>) =>
  filter.badges.has(logStatusOf(row.status, row.reported_status)) || filter.stored.has(row.status as RecordStatus);

export const logsQuerySchema = z.strictObject({
  instance: text.optional(),
  entityType: text.optional(),
  /** Partial, case-insensitive match on the source-system identifier. */
  sourceId: text.optional(),
  status: logStatusFilter.optional(),
  syncId: idSchema.optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type LogsQuery = z.infer<typeof logsQuerySchema>;

const logsCursorSchema = z.strictObject({
  /** The runs listing continues after this position. */
  after: z.string().max(2048).optional(),
  /** A run to finish first, from `batch`/`row`. */
  run: idSchema.optional(),
  batch: z.string().max(512).optional(),
  row: z.number().int().optional(),
});

const INVALID_DETAILS: Record<InvalidReason, { text: string; defaultMessage: string }> = {
  no_identifier: { text: 'Invalid data: no identifier', defaultMessage: NULL_MESSAGE },
  duplicate: { text: 'Invalid data: duplicate identifier in this batch', defaultMessage: DUPLICATE_MESSAGE },
};

/** Details: the reason SyncTrail failed an invalid record, then the message, if it says more. */
function detailsOf(row: Pick<TrackingRow, 'status' | 'status_message'>): string | null {
  const reason = invalidReasonOf(row.status);
  if (!reason) return row.status_message;
  const { text, defaultMessage } = INVALID_DETAILS[reason];
  return row.status_message && row.status_message !== defaultMessage ? `${text}. ${row.status_message}` : text;
}

/**
 * A Sync Logs row: status badge (SyncTrail's word), instance, entity type, source id, target
 * id, operation, started and details; the stored status and the producer's own word beside it.
 */
function presentLogRow(row: TrackingRow) {
  const { payload, ...record } = presentRecord(row);
  return {
    ...record,
    badge: logStatusOf(row.status, row.reported_status),
    invalidReason: invalidReasonOf(row.status),
    sourceId: row.identifier,
    started: record.batchStartedAt,
    details: detailsOf(row),
  };
}

/** A run Sync Logs lists: one that keeps row-level records, inside their retention window. */
export const tracked = (run: Pick<Run, 'dryRun' | 'recordsExpireAt'>, now: Date) => !run.dryRun && Date.parse(run.recordsExpireAt) > now.getTime();

/** The row filter of a Sync Logs query, superseded in-flight rows always left out. */
function rowFilter(query: Pick<LogsQuery, 'entityType' | 'sourceId' | 'status'>) {
  const needle = query.sourceId?.toLowerCase();
  return (superseded: RunSupersession['superseded']) => (row: WalkColumns, place: RowPlace) =>
    (!query.entityType || row.entity_type === query.entityType) &&
    (!needle || (row.identifier !== null && row.identifier.toLowerCase().includes(needle))) &&
    (!query.status || matchesStatus(query.status, row)) &&
    !superseded(place);
}

/**
 * `GET /v1/logs`: per-record rows across runs, newest run first (Sync Logs).
 * Reads runs' parquet files in turn; a rare `sourceId` may need more than one page, which
 * the cursor continues where this one stopped.
 */
export async function listLogs(deps: Deps, principal: Principal, query: LogsQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const now = deps.clock.now();
  const keepIn = rowFilter(query);

  const rows: TrackingRow[] = [];
  const resume = query.cursor ? decodePosition(query.cursor, logsCursorSchema) : {};
  let after = resume.after;
  let scanned = 0;
  const done = (cursor: z.infer<typeof logsCursorSchema> | null) => ({ items: rows.map(presentLogRow), nextCursor: cursor ? encodePosition(cursor) : null });

  /** Reads one run into `rows`; answers a cursor when the page is full. */
  const visit = async (run: Run, from?: Position) => {
    scanned += 1;
    // The batch list is read on every page: the walk needs it, and a cursor cannot carry it.
    const batches = await deps.runs.listBatches(run.orgId, run.runId);
    const along = await supersessionAlong(deps, batches, from);
    const { rows: found, next } = await walkRun(deps, run, keepIn(along.superseded), query.limit - rows.length, from, undefined, batches, along.onBatch);
    rows.push(...found);
    if (rows.length < query.limit) return undefined;
    return next ? { after: deps.runs.cursorAfter(run), run: run.runId, ...next } : { after: deps.runs.cursorAfter(run) };
  };

  if (resume.run) {
    const run = await deps.runs.get(orgId, resume.run);
    if (run && tracked(run, now)) {
      const from = resume.batch !== undefined && resume.row !== undefined ? { batch: resume.batch, row: resume.row } : undefined;
      const cursor = await visit(run, from);
      if (cursor) return done(cursor);
    }
  }
  for (;;) {
    const page = await deps.runs.list(
      orgId,
      runQuerySchema.parse({ limit: RUNS_PER_READ, ...(query.instance ? { instance: query.instance } : {}), ...(query.syncId ? { syncId: query.syncId } : {}), ...(after ? { cursor: after } : {}) }),
      Math.floor(now.getTime() / 1000),
    );
    for (const run of page.items) {
      after = deps.runs.cursorAfter(run);
      if (!tracked(run, now)) continue;
      const cursor = await visit(run);
      if (cursor) return done(cursor);
      if (scanned >= MAX_RUNS_PER_LOGS_PAGE) return done({ after });
    }
    if (!page.nextCursor) return done(null);
    after = page.nextCursor;
  }
}

/** The stat cards, counted row by row: what a Source ID or status filter needs. Reads at most this many runs. */
export const MAX_RUNS_PER_ROW_COUNT = 200;

/**
 * …and at most this many rows (the rows of the batches read, whatever the filters keep): about
 * two seconds of decoding the four filter columns (~1M rows a second measured on 2 cores), well
 * inside an API function's 29 s with the file reads. Not below the largest batch (an upload's
 * 2,000,000 lines), so the newest batch is always counted.
 */
export const MAX_ROWS_PER_ROW_COUNT = 2_000_000;

export interface LogCards {
  totalOperations: number;
  success: number;
  partialSuccess: number;
  failed: number;
  inProgress: number;
}

/** Which card a badge adds to: Success is success and completed, Partial Success both partials. */
export function cardOf(badge: LogStatus): keyof Omit<LogCards, 'totalOperations'> {
  switch (badge) {
    case 'success':
    case 'completed':
      return 'success';
    case 'partial_success':
    case 'partially_failed':
      return 'partialSuccess';
    case 'in_progress':
    case 'extracting':
      return 'inProgress';
    default:
      return 'failed';
  }
}

/**
 * The cards over every row Sync Logs would list for these filters (not just a page): reads the
 * runs' files in Sync Logs' order (newest run first, each run's newest batch first), each batch
 * once (superseded rows judged as it is read), up to MAX_RUNS_PER_ROW_COUNT runs and
 * MAX_ROWS_PER_ROW_COUNT rows. Past either it stops before the next batch and answers
 * `truncated` with what it counted: the first rows Sync Logs lists, the last run it counted
 * perhaps in part (its newest batches). `runs`: the runs it counted rows of (runs with
 * row-level records), as the counters' `runs` are.
 */
export async function countLogRows(deps: Deps, orgId: string, runFilter: Partial<RunQuery>, query: Pick<LogsQuery, 'entityType' | 'sourceId' | 'status'>) {
  const now = deps.clock.now();
  const cards: LogCards = { totalOperations: 0, success: 0, partialSuccess: 0, failed: 0, inProgress: 0 };
  const keepIn = rowFilter(query);
  let runs = 0;
  let rowsLeft = MAX_ROWS_PER_ROW_COUNT;
  let cursor: string | undefined;
  do {
    const page = await deps.runs.list(orgId, runQuerySchema.parse({ ...runFilter, limit: RUNS_PER_READ, ...(cursor ? { cursor } : {}) }), Math.floor(now.getTime() / 1000));
    for (const run of page.items) {
      if (!tracked(run, now)) continue;
      const batches = await deps.runs.listBatches(run.orgId, run.runId);
      // The run's newest batches that fit in the rows left (a batch's file holds its received records).
      const newestFirst = filedBatches(batches).reverse();
      // No row-level records (no batch yet, or counts only): Sync Logs lists nothing of it, and the counters' `runs` leaves it out too.
      if (!newestFirst.length) continue;
      if (runs >= MAX_RUNS_PER_ROW_COUNT) return { ...cards, runs, truncated: true };
      let fit = 0;
      while (fit < newestFirst.length && newestFirst[fit]!.counts.received <= rowsLeft) rowsLeft -= newestFirst[fit++]!.counts.received;
      if (fit === 0) return { ...cards, runs, truncated: true };
      runs += 1;
      const along = await supersessionAlong(deps, batches);
      const keep = keepIn(along.superseded);
      await scanRun(
        deps,
        run,
        (row, place) => {
          if (!keep(row, place)) return;
          cards.totalOperations += 1;
          cards[cardOf(logStatusOf(row.status, row.reported_status))] += 1;
        },
        newestFirst.slice(0, fit),
        along.onBatch,
      );
      if (fit < newestFirst.length) return { ...cards, runs, truncated: true };
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { ...cards, runs, truncated: false };
}
