import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import type { BatchRecord } from './batch-entity.ts';
import { DomainError, conflict, invalid } from './errors.ts';
import { classifyError } from './error-catalogue.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import { cursorSchema, limitSchema } from './query-params.ts';
import type { Run } from './run-entity.ts';
import { loadLiveRun } from './live-run.ts';
import { normalizeStatusFilter, outcomeOf, type RecordStatus } from './statuses.ts';
import type { TrackingRow } from './tracking-row.ts';
import { batchOrderKey, filedBatches, hasInFlight, hasRow, SupersessionPass } from './in-flight.ts';

/** `status=rejected,NULL` (any stored status or producer word) or `status=invalid` (NULL and DUPLICATE). */
export const statusFilter = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    const statuses = new Set<RecordStatus>();
    for (const word of value.split(',')) {
      if (word.trim().toLowerCase() === 'invalid') {
        statuses.add('NULL');
        statuses.add('DUPLICATE');
        continue;
      }
      const status = normalizeStatusFilter(word);
      if (!status) {
        ctx.addIssue({ code: 'custom', message: `unknown status '${word}'` });
        return z.NEVER;
      }
      statuses.add(status);
    }
    return statuses;
  });

/** `identifier=ana@example.com` matches exactly; `identifier=ana*` matches the prefix. */
const identifierFilter = z
  .string()
  .min(1)
  .max(1024)
  .transform((value) => (value.endsWith('*') ? { prefix: value.slice(0, -1) } : { exact: value }));

export const recordsQuerySchema = z.strictObject({
  status: statusFilter.optional(),
  identifier: identifierFilter.optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type RecordsQuery = z.infer<typeof recordsQuerySchema>;

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export const MAX_EXPORT_ROWS = 10_000;

export const exportQuerySchema = z.strictObject({
  status: statusFilter.optional(),
  identifier: identifierFilter.optional(),
  format: z.enum(EXPORT_FORMATS).default('csv'),
  limit: z.coerce.number().int().min(1).max(MAX_EXPORT_ROWS).default(1000),
});
export type ExportQuery = z.infer<typeof exportQuerySchema>;

export interface RecordFilter {
  status?: Set<RecordStatus>;
  identifier?: { exact: string } | { prefix: string };
}

export function matchesFilter(row: Pick<TrackingRow, 'identifier' | 'status'>, filter: RecordFilter): boolean {
  if (filter.status && !filter.status.has(row.status as RecordStatus)) return false;
  if (filter.identifier) {
    if (row.identifier === null) return false;
    if ('exact' in filter.identifier) return row.identifier === filter.identifier.exact;
    return row.identifier.startsWith(filter.identifier.prefix);
  }
  return true;
}

/** A record as the API shows it (Sync Tracking's View Records, plus our columns). */
export function presentRecord(row: TrackingRow) {
  return {
    identifier: row.identifier,
    status: row.status,
    statusMessage: row.status_message,
    operation: row.operation,
    reportedStatus: row.reported_status,
    targetId: row.target_id,
    entityType: row.entity_type,
    instance: row.instance,
    eventDate: row.event_date ? new Date(row.event_date).toISOString() : null,
    final: row.is_final,
    batchType: row.batch_type,
    batchNumber: row.batch_number,
    rowNumber: row.row_number,
    batchStartedAt: new Date(row.batch_started_at).toISOString(),
    batchEndedAt: new Date(row.batch_ended_at).toISOString(),
    syncId: row.sync_configuration_id,
    runId: row.sync_run_id,
    payload: JSON.parse(row.record_payload) as unknown,
  };
}


/** Counted batches with files, newest first (Sync Tracking: records appear batch by batch). */
async function readableBatches(deps: Deps, run: Run, listed?: BatchRecord[]): Promise<Array<BatchRecord & { fileKey: string }>> {
  return filedBatches(listed ?? (await deps.runs.listBatches(run.orgId, run.runId))).reverse();
}

/** A run whose row-level records may be read now: not a dry run, inside the retention window. */
export async function loadTrackedRun(deps: Deps, orgId: string, runId: string): Promise<Run> {
  const run = await loadLiveRun(deps, orgId, runId);
  if (run.dryRun) throw conflict(`run ${runId} is a dry run: Sync Tracking keeps no row-level records for dry runs`);
  if (Date.parse(run.recordsExpireAt) <= deps.clock.now().getTime()) {
    throw new DomainError('gone', `row-level records of run ${runId} were kept until ${run.recordsExpireAt} and are past the retention window`, {
      recordsExpireAt: run.recordsExpireAt,
    });
  }
  return run;
}

/** Where a walk stopped: a batch (by its order key) and the last row returned from it. */
export interface Position {
  batch: string;
  row: number;
}

export const encodePosition = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function decodePosition<T extends z.ZodType>(cursor: string, schema: T): z.output<T> {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalid('cursor is not one this API issued', { cursor });
  }
}

export const positionSchema = z.strictObject({ batch: z.string().min(1).max(512), row: z.number().int().min(-1) });

export type WalkColumns = Pick<TrackingRow, 'identifier' | 'status' | 'entity_type' | 'reported_status'>;

/**
 * A row's place in its run, for filters that judge a row by where it is (superseded rows): its
 * batch's order key, and its position in the rows the walk read of that batch (what `onBatch`
 * saw): its row number on a batch-by-batch walk, its position among the identifier's rows of
 * the batch on an identifier lookup.
 */
export interface RowPlace {
  batch: string;
  row: number;
}

const WALK_COLUMNS: Array<keyof WalkColumns> = ['identifier', 'status', 'entity_type', 'reported_status'];

/** Sees each batch's columns as a walk reads them, before `keep` is asked about its rows (a filter that judges a row by later rows). */
export type BatchRead = (batch: string, rows: WalkColumns[]) => void;

/** Which rows of a run are superseded in-flight reports, and what it needs to see to tell (`walkRun`'s `onBatch`). */
export interface RunSupersession {
  superseded: (place: RowPlace) => boolean;
  onBatch?: BatchRead;
}

const NOTHING_SUPERSEDED: RunSupersession = { superseded: () => false };

/**
 * The superseded rows of a run, judged along a walk that reads it newest batch first (Sync
 * Logs' order, and a run's records': newest batch first, rows in order within a batch): a row is
 * superseded only by a later record of its identifier, later in its own batch or in a newer one,
 * and the walk reads those batches first. So each batch is judged as the walk reads it, whole,
 * before its rows are kept or not, and no batch is read twice; a page that fills up in the
 * newest batches reads only those. A run with no in-flight record reads nothing more.
 *
 * A page resuming at `from` walks `from.batch` and older batches only. Their rows can be
 * superseded only when the oldest batch holding in-flight records is among them; if it is newer
 * than `from.batch`, the rest of the run has nothing to leave out and nothing more is read. If
 * it is among them, the newer batches' identifiers (the earlier pages read them; a cursor
 * cannot carry a run's identifiers, there may be millions) are read again, one column, newest
 * first, before the walk: any of them may settle an in-flight row below `from`.
 *
 * With `identifier` (an identifier lookup: the walk feeds `onBatch` the identifier's rows of
 * each batch, and only records of one identifier can settle each other), a resumed page reads
 * nothing more: `from` is the row the previous page of this query ended on, one of this
 * identifier's rows, listed, so not superseded. Either no later row of the identifier exists,
 * or that row is not in flight: then it settles every older in-flight row of the identifier
 * itself (the walk feeds its batch first), and the identifier's later rows in its batch are
 * DUPLICATE, which are never superseded. The newer batches can settle nothing it has not.
 */
export async function supersessionAlong(deps: Deps, batches: BatchRecord[], from?: Position, identifier?: string): Promise<RunSupersession> {
  if (!hasInFlight(batches)) return NOTHING_SUPERSEDED;
  const pass = new SupersessionPass(batches);
  if (from) {
    if (!pass.reaches(from.batch)) return NOTHING_SUPERSEDED;
    if (identifier === undefined) {
      for (const batch of filedBatches(batches).reverse()) {
        const order = batchOrderKey(batch);
        if (order <= from.batch) break;
        pass.remember(order, await deps.files.readColumns(batch.fileKey, ['identifier']));
      }
    }
  }
  let judged: { batch: string; bits: Uint8Array | undefined } | undefined;
  return {
    onBatch: (batch, rows) => {
      judged = { batch, bits: pass.judge(batch, rows) };
    },
    superseded: (place) => judged?.batch === place.batch && judged.bits !== undefined && hasRow(judged.bits, place.row),
  };
}

/**
 * Walks one run's records newest batch first, in row order within a batch, reading only
 * the few columns a filter needs and whole rows only for what it returns. `next` is where
 * to go on when it stopped at `limit` with more possibly left in this run. `onBatch` sees every
 * batch it reads, whole, before its rows are kept or not (with `exactIdentifier`: the
 * identifier's rows of it, in row order; see `RowPlace`).
 */
export async function walkRun(
  deps: Deps,
  run: Run,
  keep: (row: WalkColumns, place: RowPlace) => boolean,
  limit: number,
  from?: Position,
  exactIdentifier?: string,
  listed?: BatchRecord[],
  onBatch?: BatchRead,
) {
  const batches = await readableBatches(deps, run, listed);
  if (exactIdentifier !== undefined) {
    return walkByIdentifier(deps, batches, exactIdentifier, keep, limit, from, onBatch);
  }
  const rows: TrackingRow[] = [];
  for (const [index, batch] of batches.entries()) {
    const order = batchOrderKey(batch);
    if (from && order > from.batch) continue;
    const afterRow = from && order === from.batch ? from.row : -1;
    const keys = await deps.files.readColumns(batch.fileKey, WALK_COLUMNS);
    onBatch?.(order, keys);
    const matches: number[] = [];
    keys.forEach((row, i) => {
      if (i > afterRow && keep(row, { batch: order, row: i })) matches.push(i);
    });
    const take = matches.slice(0, limit - rows.length);
    if (take.length) {
      const window = await deps.files.readRows(batch.fileKey, take[0]!, take.at(-1)! + 1);
      rows.push(...take.map((i) => window[i - take[0]!]!));
    }
    if (rows.length >= limit) {
      const more = take.length < matches.length || index < batches.length - 1;
      return { rows, ...(more ? { next: { batch: order, row: take.at(-1)! } } : {}) };
    }
  }
  return { rows };
}

/**
 * Visits every row of a run (the few columns filters read), batch by batch, newest first: for
 * counting, never returning rows. `listed`: these batches only; `onBatch` as in `walkRun`.
 */
export async function scanRun(deps: Deps, run: Run, visit: (row: WalkColumns, place: RowPlace) => void, listed?: BatchRecord[], onBatch?: BatchRead): Promise<void> {
  for (const batch of await readableBatches(deps, run, listed)) {
    const order = batchOrderKey(batch);
    const rows = await deps.files.readColumns(batch.fileKey, WALK_COLUMNS);
    onBatch?.(order, rows);
    rows.forEach((row, i) => visit(row, { batch: order, row: i }));
  }
}

/** Batch files asked at once by an identifier lookup. */
const LOOKUP_CONCURRENCY = 16;

/**
 * An exact identifier: each file is asked for just those rows (its identifier index names
 * them, or its bloom filters rule out whole row groups; its page index finds the pages), many
 * files at a time.
 */
async function walkByIdentifier(
  deps: Deps,
  batches: Array<BatchRecord & { fileKey: string }>,
  identifier: string,
  keep: (row: WalkColumns, place: RowPlace) => boolean,
  limit: number,
  from?: Position,
  onBatch?: BatchRead,
) {
  const candidates = batches.filter((b) => !from || batchOrderKey(b) <= from.batch);
  const found: TrackingRow[][] = new Array(candidates.length);
  for (let i = 0; i < candidates.length; i += LOOKUP_CONCURRENCY) {
    const chunk = candidates.slice(i, i + LOOKUP_CONCURRENCY);
    const results = await Promise.all(chunk.map((b) => deps.files.findRows(b.fileKey, identifier, b.fileBytes)));
    results.forEach((rows, j) => (found[i + j] = rows));
  }
  const rows: TrackingRow[] = [];
  for (const [index, batch] of candidates.entries()) {
    const order = batchOrderKey(batch);
    const afterRow = from && order === from.batch ? from.row : -1;
    // The identifier's rows of the batch, in row order: what `onBatch` sees of it; a row's place is its position among them.
    const inBatch = found[index]!.sort((a, b) => a.row_number - b.row_number);
    onBatch?.(order, inBatch);
    const matches = inBatch.filter((row, i) => row.row_number > afterRow && keep(row, { batch: order, row: i }));
    const take = matches.slice(0, limit - rows.length);
    rows.push(...take);
    if (rows.length >= limit) {
      const more = take.length < matches.length || index < candidates.length - 1;
      return { rows, ...(more ? { next: { batch: order, row: take.at(-1)!.row_number } } : {}) };
    }
  }
  return { rows };
}

const toFilter = (query: Pick<RecordsQuery, 'status' | 'identifier'>): RecordFilter => ({
  ...(query.status ? { status: query.status } : {}),
  ...(query.identifier ? { identifier: query.identifier } : {}),
});

const exactIdentifierOf = (filter: RecordFilter) => (filter.identifier && 'exact' in filter.identifier ? filter.identifier.exact : undefined);

/**
 * A run's records matching `filter`, newest batch first, superseded in-flight reports left out
 * as Sync Logs leaves them out (judged along the walk: `supersessionAlong`), so the list, its
 * pages and the export show each record's latest report and count in flight what the run does.
 */
async function walkRecords(deps: Deps, run: Run, filter: RecordFilter, limit: number, from?: Position) {
  const batches = await deps.runs.listBatches(run.orgId, run.runId);
  const identifier = exactIdentifierOf(filter);
  const along = await supersessionAlong(deps, batches, from, identifier);
  return walkRun(deps, run, (row, place) => matchesFilter(row, filter) && !along.superseded(place), limit, from, identifier, batches, along.onBatch);
}

/** `GET /v1/runs/{runId}/records`: read from the run's parquet files, not from a copy. */
export async function listRecords(deps: Deps, principal: Principal, runId: string, query: RecordsQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const run = await loadTrackedRun(deps, orgId, runId);
  const from = query.cursor ? decodePosition(query.cursor, positionSchema) : undefined;
  const { rows, next } = await walkRecords(deps, run, toFilter(query), query.limit, from);
  return { items: rows.map(presentRecord), nextCursor: next ? encodePosition(next) : null };
}

const CSV_COLUMNS: Array<keyof TrackingRow> = [
  'identifier',
  'status',
  'status_message',
  'operation',
  'reported_status',
  'target_id',
  'entity_type',
  'event_date',
  'batch_type',
  'batch_number',
  'row_number',
  'batch_started_at',
  'batch_ended_at',
  'record_payload',
];

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  // A leading = + - @ makes spreadsheets evaluate the cell: defuse it (OWASP CSV injection).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: TrackingRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map((c) => csvCell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** `GET /v1/runs/{runId}/records/export`: a sample file of the filtered records. */
export async function exportRecords(deps: Deps, principal: Principal, runId: string, query: ExportQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const run = await loadTrackedRun(deps, orgId, runId);
  const { rows } = await walkRecords(deps, run, toFilter(query), query.limit);
  const body = query.format === 'csv' ? toCsv(rows) : rows.map((row) => `${JSON.stringify(presentRecord(row))}\n`).join('');
  return {
    body,
    rows: rows.length,
    contentType: query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    filename: `${run.syncId}-${run.runId}-records.${query.format}`,
  };
}

const SAMPLE_IDENTIFIERS = 5;

/** `GET /v1/runs/{runId}/errors`: failures grouped by message, each classified (Sync Logs' common errors). */
export async function groupErrors(deps: Deps, principal: Principal, runId: string) {
  const orgId = requireOrgKey(principal, 'read');
  const run = await loadTrackedRun(deps, orgId, runId);
  const groups = new Map<string, { statusMessage: string | null; statuses: Set<string>; count: number; sampleIdentifiers: string[] }>();
  for (const batch of await readableBatches(deps, run)) {
    const rows = await deps.files.readColumns(batch.fileKey, ['identifier', 'status', 'status_message']);
    for (const row of rows) {
      if (outcomeOf(row.status as RecordStatus) !== 'failed') continue;
      const key = row.status_message ?? `\u0000${row.status}`;
      let group = groups.get(key);
      if (!group) {
        group = { statusMessage: row.status_message, statuses: new Set(), count: 0, sampleIdentifiers: [] };
        groups.set(key, group);
      }
      group.count += 1;
      group.statuses.add(row.status);
      if (row.identifier !== null && group.sampleIdentifiers.length < SAMPLE_IDENTIFIERS) group.sampleIdentifiers.push(row.identifier);
    }
  }
  const items = [...groups.values()]
    .sort((a, b) => b.count - a.count || String(a.statusMessage).localeCompare(String(b.statusMessage)))
    .map((group) => {
      const classification = classifyError(group.statusMessage);
      return {
        statusMessage: group.statusMessage,
        statuses: [...group.statuses].sort(),
        count: group.count,
        sampleIdentifiers: group.sampleIdentifiers,
        category: classification.category,
        resolutionKey: classification.resolutionKey,
        resolutionTitle: classification.title,
        resolutionDoc: classification.resolutionKey ? `docs/errors.md#${classification.resolutionKey}` : null,
      };
    });
  return { runId, failed: items.reduce((sum, item) => sum + item.count, 0), items };
}
