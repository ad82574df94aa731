import * as z from 'zod';
import { sha256Hex } from './canonical-json.ts';
import { conflict, DomainError } from './errors.ts';
import { idSchema } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import { addPayloadFieldTypes, loadLiveRun, type JsonType, type Run } from './run.ts';
import { RECORD_OPERATIONS, REPORTED_STATUS_WORDS, normalizeReportedStatus, outcomeOf, type RecordStatus } from './statuses.ts';
import { metadataKey, trackingFileKey, type TrackingRow } from './tracking-row.ts';
import { metadataDocument } from './metadata.ts';
import { requireOrgKey } from './authz.ts';
import { dlqItemsOf, type DlqItem } from './dlq.ts';
import { IdentifierSet } from './identifier-set.ts';

/** Records in one inline batch; the body-size limit usually bites first. */
export const MAX_RECORDS_PER_BATCH = 100_000;
/** Distinct entity types in one batch: each gets its own counters on the run. */
export const MAX_ENTITY_TYPES_PER_BATCH = 20;

/** Constant, so that failures group by message (seed 001's query, `GET /errors`). */
export const NULL_MESSAGE = 'record has no identifier';
export const DUPLICATE_MESSAGE = 'identifier appears more than once in this batch';
/** Entity-type counter key for records of no entity type. */
export const NO_ENTITY_TYPE = '(none)';

const isoDate = z.iso.datetime({ offset: true });

export const batchRecordSchema = z.strictObject({
  identifier: z.union([z.string().max(1024), z.number().finite(), z.null()]).optional(),
  payload: z.record(z.string(), z.unknown()).default({}),
  operation: z.enum(RECORD_OPERATIONS).optional(),
  status: z.string().refine((s) => normalizeReportedStatus(s) !== undefined, {
    message: `unknown status; use one of ${REPORTED_STATUS_WORDS.join(', ')} (NULL and DUPLICATE are assigned by SyncTrail)`,
  }),
  statusMessage: z.string().max(8192).nullable().optional(),
  targetId: z.union([z.string().max(1024), z.number().finite()]).nullable().optional(),
  entityType: z.string().min(1).max(128).optional(),
  eventDate: isoDate.optional(),
  final: z.boolean().optional(),
});
export type BatchRecordInput = z.infer<typeof batchRecordSchema>;

export const batchRequestSchema = z
  .strictObject({
    batchType: idSchema,
    batchNumber: z.number().int().min(0).max(1_000_000_000),
    startedAt: isoDate,
    endedAt: isoDate,
    records: z.array(batchRecordSchema).min(1).max(MAX_RECORDS_PER_BATCH),
  })
  .refine((b) => Date.parse(b.endedAt) >= Date.parse(b.startedAt), { message: 'endedAt is before startedAt', path: ['endedAt'] })
  .refine((b) => new Set(b.records.map((r) => r.entityType)).size <= MAX_ENTITY_TYPES_PER_BATCH, {
    message: `a batch may hold at most ${MAX_ENTITY_TYPES_PER_BATCH} distinct entity types`,
    path: ['records'],
  });
export type BatchRequest = z.infer<typeof batchRequestSchema>;

/** What a batch adds to its run. `failed` includes the NULL and DUPLICATE ones. */
export interface BatchCounts {
  received: number;
  succeeded: number;
  partial: number;
  failed: number;
  null: number;
  duplicate: number;
}

/** Counts per entity type, keyed `type|received`, `type|succeeded`, `type|partial`, `type|failed`. */
export type EntityCounts = Record<string, number>;

/** The answer to `POST /v1/runs/{runId}/batches`, the same on every retry. */
export interface BatchResult {
  batchType: string;
  batchNumber: number;
  received: number;
  succeeded: number;
  partialSuccess: number;
  failed: number;
  invalid: { null: number; duplicate: number };
}

export interface BatchError {
  reason: string;
  /** The first bad lines of an upload, 1-based, with what is wrong with each. */
  badLines: Array<{ line: number; message: string }>;
  invalidLines: number;
}

export interface BatchRecord {
  orgId: string;
  runId: string;
  batchKey: string;
  batchType: string;
  batchNumber: number;
  /** Absent while an upload has not been converted. */
  contentHash?: string;
  /**
   * `writing` — claimed, file and count in progress (inline, or an upload being converted);
   * `pending` — waiting for its upload; `done` — counted; `failed` — an upload that did not convert.
   */
  state: 'writing' | 'pending' | 'done' | 'failed';
  source?: 'inline' | 'upload';
  /** The object key of the upload this batch expects: a later upload replaces it. */
  uploadKey?: string;
  uploadExpiresAt?: string;
  conversionStartedAt?: string;
  startedAt?: string;
  endedAt?: string;
  error?: BatchError;
  counts: BatchCounts;
  entityCounts: EntityCounts;
  maxEventDate?: string;
  fileKey?: string;
  /** Size of the parquet file, so readers can fetch byte ranges without asking S3 first. */
  fileBytes?: number;
  createdAt: string;
  doneAt?: string;
  expiresAt: string;
}

export const batchKeyOf = (batchType: string, batchNumber: number) => `${batchType}.${batchNumber}`;

export interface ClassifiedBatch {
  rows: TrackingRow[];
  counts: BatchCounts;
  entityCounts: EntityCounts;
  payloadFields: Record<string, JsonType>;
  /** Latest event date among processed records: the run's max event date comes from these. */
  maxEventDate?: string;
}

/**
 * Assigns SyncTrail's own checks before counting (seed 001), one record at a time so that a
 * million-record upload streams through it: a record without an identifier is `NULL`; a
 * record whose identifier already appeared in this batch is `DUPLICATE` (the first
 * occurrence keeps its reported status).
 */
export class BatchClassifier {
  readonly counts: BatchCounts = { received: 0, succeeded: 0, partial: 0, failed: 0, null: 0, duplicate: 0 };
  readonly entityCounts: EntityCounts = {};
  readonly payloadFields: Record<string, JsonType> = {};
  maxEventDate: string | undefined;
  private readonly seen = new IdentifierSet();
  private readonly startedAt: Date;
  private readonly endedAt: Date;

  constructor(
    private readonly batch: Pick<BatchRequest, 'batchType' | 'batchNumber' | 'startedAt' | 'endedAt'>,
    private readonly run: Run,
  ) {
    this.startedAt = new Date(batch.startedAt);
    this.endedAt = new Date(batch.endedAt);
  }

  add(record: BatchRecordInput, index: number): TrackingRow {
    const run = this.run;
    const raw = record.identifier === undefined || record.identifier === null ? null : String(record.identifier);
    const identifier = raw === null || raw.trim() === '' ? null : raw;
    let status: RecordStatus = normalizeReportedStatus(record.status)!;
    let statusMessage = record.statusMessage ?? null;
    if (identifier === null) {
      status = 'NULL';
      statusMessage = statusMessage ?? NULL_MESSAGE;
      this.counts.null += 1;
    } else if (!this.seen.add(identifier)) {
      status = 'DUPLICATE';
      statusMessage = statusMessage ?? DUPLICATE_MESSAGE;
      this.counts.duplicate += 1;
    }
    this.counts.received += 1;
    const outcome = outcomeOf(status);
    const field = outcome === 'success' ? 'succeeded' : outcome;
    this.counts[field] += 1;
    const entityType = record.entityType ?? run.entityType ?? NO_ENTITY_TYPE;
    this.entityCounts[`${entityType}|received`] = (this.entityCounts[`${entityType}|received`] ?? 0) + 1;
    this.entityCounts[`${entityType}|${field}`] = (this.entityCounts[`${entityType}|${field}`] ?? 0) + 1;
    addPayloadFieldTypes(this.payloadFields, record.payload);

    const eventDate = record.eventDate ? new Date(record.eventDate) : null;
    if (eventDate && outcome !== 'failed') {
      const iso = eventDate.toISOString();
      if (!this.maxEventDate || iso > this.maxEventDate) this.maxEventDate = iso;
    }

    return {
      identifier,
      record_payload: JSON.stringify(record.payload),
      operation: record.operation ?? run.operation,
      status,
      status_message: statusMessage,
      batch_started_at: this.startedAt,
      batch_ended_at: this.endedAt,
      sync_configuration_id: run.syncId,
      sync_run_id: run.runId,
      org_id: run.orgId,
      workspace_id: run.workspaceId ?? null,
      source_object_id: run.source.id,
      destination_id: run.destination.id,
      destination_object_id: run.destinationObject?.id ?? null,
      entity_type: record.entityType ?? run.entityType ?? null,
      target_id: record.targetId === undefined || record.targetId === null ? null : String(record.targetId),
      instance: run.instance ?? null,
      reported_status: record.status,
      event_date: eventDate,
      is_final: record.final ?? false,
      batch_type: this.batch.batchType,
      batch_number: this.batch.batchNumber,
      row_number: index,
    };
  }

  summary(): Omit<ClassifiedBatch, 'rows'> {
    return {
      counts: this.counts,
      entityCounts: this.entityCounts,
      payloadFields: this.payloadFields,
      ...(this.maxEventDate ? { maxEventDate: this.maxEventDate } : {}),
    };
  }
}

export function classifyBatch(batch: BatchRequest, run: Run): ClassifiedBatch {
  const classifier = new BatchClassifier(batch, run);
  const rows = batch.records.map((record, index) => classifier.add(record, index));
  return { rows, ...classifier.summary() };
}

export const resultOf = (batch: Pick<BatchRecord, 'batchType' | 'batchNumber' | 'counts'>): BatchResult => ({
  batchType: batch.batchType,
  batchNumber: batch.batchNumber,
  received: batch.counts.received,
  succeeded: batch.counts.succeeded + batch.counts.partial,
  partialSuccess: batch.counts.partial,
  failed: batch.counts.failed,
  invalid: { null: batch.counts.null, duplicate: batch.counts.duplicate },
});

function sameContentOrConflict(existing: BatchRecord, hash: string) {
  if (existing.contentHash !== hash) {
    throw conflict(`batch ${existing.batchKey} was already posted with different content`, {
      batchType: existing.batchType,
      batchNumber: existing.batchNumber,
    });
  }
}

/**
 * Records one batch exactly once. The steps are ordered so that a crash anywhere heals
 * on retry: claim the key (content hash kept), write the parquet file (same bytes every
 * time), count it in one conditional write on the run, then mark the batch done.
 */
export async function postBatch(deps: Deps, principal: Principal, runId: string, batch: BatchRequest): Promise<BatchResult> {
  const orgId = requireOrgKey(principal, 'ingest');
  const run = await loadLiveRun(deps, orgId, runId);
  const batchKey = batchKeyOf(batch.batchType, batch.batchNumber);
  // zod rebuilt every object in schema order, so equal batches serialize equally whatever
  // key order the producer used; only payloads keep theirs (a retry resends the same bytes).
  const hash = sha256Hex(JSON.stringify(batch));

  let existing = await deps.runs.getBatch(orgId, runId, batchKey);
  if (existing?.source === 'upload' && existing.state !== 'done') {
    throw conflict(`batch ${batchKey} is expected as an upload (${existing.state}); post it there or use another batch number`);
  }
  if (existing) {
    sameContentOrConflict(existing, hash);
    if (existing.state === 'done') return resultOf(existing);
  }
  if (run.status !== 'running') {
    throw conflict(`run ${runId} is ${run.status}; it takes no more batches`, { status: run.status });
  }

  const classified = classifyBatch(batch, run);
  const now = deps.clock.now().toISOString();
  const fileKey = run.dryRun ? undefined : trackingFileKey(orgId, run.syncId, runId, batch.batchType, batch.batchNumber);
  if (!existing) {
    const claim: BatchRecord = {
      orgId,
      runId,
      batchKey,
      batchType: batch.batchType,
      batchNumber: batch.batchNumber,
      contentHash: hash,
      state: 'writing',
      source: 'inline',
      counts: classified.counts,
      entityCounts: classified.entityCounts,
      ...(classified.maxEventDate ? { maxEventDate: classified.maxEventDate } : {}),
      ...(fileKey ? { fileKey } : {}),
      createdAt: now,
      expiresAt: run.expiresAt,
    };
    if (!(await deps.runs.claimBatch(claim))) {
      existing = await deps.runs.getBatch(orgId, runId, batchKey);
      if (!existing) throw new DomainError('conflict', `batch ${batchKey} is being written; retry`);
      sameContentOrConflict(existing, hash);
      if (existing.state === 'done') return resultOf(existing);
    }
  }

  return commitBatch(deps, run, { batchKey, batchType: batch.batchType, batchNumber: batch.batchNumber, ...(fileKey ? { fileKey } : {}) }, classified, {
    writeFile: (key) => deps.files.writeRows(key, classified.rows),
    dlqItems: () => dlqItemsOf(classified.rows, run, now),
  });
}

/**
 * The steps after a batch is validated, classified and its key claimed, shared by inline
 * batches and converted uploads: write the parquet file (same bytes on every retry), keep
 * the payload schema current, count the batch in one conditional write on the run,
 * dead-letter its final failures, and mark it done. A crash anywhere heals on retry.
 */
export async function commitBatch(
  deps: Deps,
  run: Run,
  batch: { batchKey: string; batchType: string; batchNumber: number; fileKey?: string },
  summary: Omit<ClassifiedBatch, 'rows'>,
  io: { writeFile: (key: string) => Promise<number>; dlqItems: () => DlqItem[] },
): Promise<BatchResult> {
  // Dry runs count but keep no row-level data (seed 001).
  let fileBytes: number | undefined;
  if (batch.fileKey) {
    fileBytes = await io.writeFile(batch.fileKey);
    const newFields = Object.fromEntries(Object.entries(summary.payloadFields).filter(([field]) => !(field in run.payloadSchema)));
    if (Object.keys(newFields).length > 0) {
      const schema = await deps.runs.addPayloadFields(run.orgId, run.runId, newFields);
      await deps.files.writeJson(metadataKey(run.orgId, run.syncId, run.runId), metadataDocument({ ...run, payloadSchema: schema }));
    }
  }

  const outcome = await deps.runs.countBatch(run.orgId, run.runId, batch.batchKey, summary.counts, summary.entityCounts);
  if (outcome === 'not_running') {
    // The run was completed between our read and our count: take back what we wrote.
    if (batch.fileKey) await deps.files.delete(batch.fileKey);
    await deps.runs.releaseBatch(run.orgId, run.runId, batch.batchKey);
    throw conflict(`run ${run.runId} was completed before this batch was counted; it takes no more batches`);
  }
  // After the count, before done: a crash in between re-adds the same items on retry (same ids).
  if (!run.dryRun) await deps.dlq.addItems(io.dlqItems());
  await deps.runs.markBatchDone(run.orgId, run.runId, batch.batchKey, deps.clock.now().toISOString(), fileBytes);
  return resultOf({ batchType: batch.batchType, batchNumber: batch.batchNumber, counts: summary.counts });
}
