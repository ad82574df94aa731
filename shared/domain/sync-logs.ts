import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import { idSchema } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import { cursorSchema, limitSchema } from './query-params.ts';
import { decodePosition, encodePosition, presentRecord, statusFilter, walkRun, type Position, type WalkColumns } from './records.ts';
import { runQuerySchema, type Run } from './run.ts';
import type { RecordStatus } from './statuses.ts';
import type { TrackingRow } from './tracking-row.ts';

/** A Sync Logs request reads at most this many runs' files, then hands back a cursor. */
export const MAX_RUNS_PER_LOGS_PAGE = 30;
const RUNS_PER_READ = 25;

const text = z.string().min(1).max(256);

export const logsQuerySchema = z.strictObject({
  instance: text.optional(),
  entityType: text.optional(),
  /** Partial, case-insensitive match on the source-system identifier. */
  sourceId: text.optional(),
  status: statusFilter.optional(),
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

/** A Sync Logs row: seed 002's columns (status, instance, entity type, source id, target id, operation, started, details). */
function presentLogRow(row: TrackingRow) {
  const { payload, ...record } = presentRecord(row);
  return { ...record, sourceId: row.identifier, started: record.batchStartedAt, details: row.status_message };
}

const tracked = (run: Run, now: Date) => !run.dryRun && Date.parse(run.recordsExpireAt) > now.getTime();

/**
 * `GET /v1/logs`: per-record rows across runs, newest run first (seed 002's Sync Logs).
 * Reads runs' parquet files in turn; a rare `sourceId` may need more than one page, which
 * the cursor continues where this one stopped.
 */
export async function listLogs(deps: Deps, principal: Principal, query: LogsQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const now = deps.clock.now();
  const needle = query.sourceId?.toLowerCase();
  const keep = (row: WalkColumns) =>
    (!query.entityType || row.entity_type === query.entityType) &&
    (!needle || (row.identifier !== null && row.identifier.toLowerCase().includes(needle))) &&
    (!query.status || query.status.has(row.status as RecordStatus));

  const rows: TrackingRow[] = [];
  const resume = query.cursor ? decodePosition(query.cursor, logsCursorSchema) : {};
  let after = resume.after;
  let scanned = 0;
  const done = (cursor: z.infer<typeof logsCursorSchema> | null) => ({ items: rows.map(presentLogRow), nextCursor: cursor ? encodePosition(cursor) : null });

  /** Reads one run into `rows`; answers a cursor when the page is full. */
  const visit = async (run: Run, from?: Position) => {
    scanned += 1;
    const { rows: found, next } = await walkRun(deps, run, keep, query.limit - rows.length, from);
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
