import * as z from 'zod';
import { canonicalJson, sha256Hex } from './canonical-json.ts';
import { conflict, DomainError } from './errors.ts';
import { idSchema } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import type { Run } from './run-entity.ts';
import { loadLiveRun } from './live-run.ts';
import { addPayloadFieldTypes, boundedFields, newFieldTypes, payloadSchema, type FieldTypes } from './payload.ts';
import type { BatchCounts, BatchRecord, EntityCounts } from './batch-entity.ts';
import { RECORD_OPERATIONS, REPORTED_STATUS_WORDS, isInFlight, normalizeReportedStatus, outcomeOf, type RecordStatus } from './statuses.ts';
import { metadataKey, trackingFileKey, type TrackingRow } from './tracking-row.ts';
import { metadataDocument } from './metadata.ts';
import { requireOrgKey } from './authz.ts';
import { dlqItemsOf } from './dlq.ts';
import type { DlqItem } from './dlq-entity.ts';
import { IdentifierSet } from './identifier-set.ts';
import { deadlineAfter, INLINE_WRITE_DEADLINE_MS, WRITE_MARGIN_MS, writerIsDead } from './deadlines.ts';

/** Records in one inline batch; the body-size limit usually bites first. */
export const MAX_RECORDS_PER_BATCH = 100_000;
/** Distinct entity types in one batch: each gets its own counters on the run. */
export const MAX_ENTITY_TYPES_PER_BATCH = 20;

/** Constant, so that failures group by message (the Sync Tracking error query, `GET /errors`). */
export const NULL_MESSAGE = 'record has no identifier';
export const DUPLICATE_MESSAGE = 'identifier appears more than once in this batch';
/** Entity-type counter key for records of no entity type. */
export const NO_ENTITY_TYPE = '(none)';

const isoDate = z.iso.datetime({ offset: true });

export const batchRecordSchema = z.strictObject({
  identifier: z.union([z.string().max(1024), z.number().finite(), z.null()]).optional(),
  payload: payloadSchema.default({}),
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

export const emptyCounts = (): Required<BatchCounts> => ({ received: 0, succeeded: 0, partial: 0, failed: 0, null: 0, duplicate: 0, inFlight: 0, superseded: 0 });

/** The answer to `POST /v1/runs/{runId}/batches`, the same on every retry. */
export interface BatchResult {
  batchType: string;
  batchNumber: number;
  received: number;
  succeeded: number;
  partialSuccess: number;
  failed: number;
  /** Reported in progress or extracting and not settled by a later record of this batch. */
  inProgress: number;
  /** In-flight records a later record of the same identifier in this batch settled. */
  superseded: number;
  invalid: { null: number; duplicate: number };
}

export const batchKeyOf = (batchType: string, batchNumber: number) => `${batchType}.${batchNumber}`;

export interface ClassifiedBatch {
  rows: TrackingRow[];
  counts: BatchCounts;
  entityCounts: EntityCounts;
  payloadFields: FieldTypes;
  /** Latest event date among processed records: the run's max event date comes from these. */
  maxEventDate?: string;
}

/**
 * Assigns SyncTrail's own checks before counting (Sync Tracking), one record at a time so
 * that a million-record upload streams through it: a record without an identifier is `NULL`;
 * a record whose identifier already appeared in this batch is `DUPLICATE` (the first
 * occurrence keeps its reported status) — unless that earlier record was in flight (in
 * progress, extracting): then the later one is its next report and supersedes it.
 */
export class BatchClassifier {
  readonly counts: Required<BatchCounts> = emptyCounts();
  readonly entityCounts: EntityCounts = {};
  readonly payloadFields: FieldTypes = {};
  maxEventDate: string | undefined;
  private readonly seen = new IdentifierSet();
  /** Identifiers whose latest record in this batch is in flight, with its entity type. */
  private readonly inFlight = new Map<string, string>();
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
    const entityType = record.entityType ?? run.entityType ?? NO_ENTITY_TYPE;
    if (identifier === null) {
      status = 'NULL';
      statusMessage = statusMessage ?? NULL_MESSAGE;
      this.counts.null += 1;
    } else if (!this.seen.add(identifier)) {
      const earlier = this.inFlight.get(identifier);
      if (earlier !== undefined) {
        // The pipeline's next report of a record it was still working on.
        this.inFlight.delete(identifier);
        this.counts.superseded += 1;
        this.bump(earlier, 'superseded');
      } else {
        status = 'DUPLICATE';
        statusMessage = statusMessage ?? DUPLICATE_MESSAGE;
        this.counts.duplicate += 1;
      }
    }
    if (identifier !== null && isInFlight(status)) this.inFlight.set(identifier, entityType);
    this.counts.received += 1;
    const outcome = outcomeOf(status);
    const field = outcome === 'success' ? 'succeeded' : outcome === 'in_flight' ? 'inFlight' : outcome;
    this.counts[field] += 1;
    this.bump(entityType, 'received');
    this.bump(entityType, field);
    addPayloadFieldTypes(this.payloadFields, record.payload);

    const eventDate = record.eventDate ? new Date(record.eventDate) : null;
    if (eventDate && (outcome === 'success' || outcome === 'partial')) {
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

  private bump(entityType: string, field: keyof BatchCounts) {
    const key = `${entityType}|${field}`;
    this.entityCounts[key] = (this.entityCounts[key] ?? 0) + 1;
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
  inProgress: (batch.counts.inFlight ?? 0) - (batch.counts.superseded ?? 0),
  superseded: batch.counts.superseded ?? 0,
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
 * The identity of a batch's content: its key and its records, payload keys in any order.
 * Not its start and end times: a producer resuming a push may send new ones, and the times
 * of the first claim stay the batch's times.
 */
const batchContentHash = (batch: Pick<BatchRequest, 'batchType' | 'batchNumber' | 'records'>) =>
  sha256Hex(canonicalJson({ batchType: batch.batchType, batchNumber: batch.batchNumber, records: batch.records }));

const finalFailuresOf = (rows: TrackingRow[]) => rows.filter((row) => row.is_final && outcomeOf(row.status as RecordStatus) === 'failed').length;

/**
 * Records one batch exactly once. The steps are ordered so that a crash anywhere heals by
 * rolling forward: claim the key (content hash, counts and deadline kept on the batch item),
 * tell the run, write the parquet file (objects are never partial), count the batch by
 * marking it done, then write its dead-letter items. A retry goes on from where the claim
 * is; completion counts a claim whose file exists and lets go of one whose writer died first.
 */
export async function postBatch(deps: Deps, principal: Principal, runId: string, batch: BatchRequest): Promise<BatchResult> {
  const orgId = requireOrgKey(principal, 'ingest');
  const run = await loadLiveRun(deps, orgId, runId);
  const batchKey = batchKeyOf(batch.batchType, batch.batchNumber);
  const hash = batchContentHash(batch);

  let existing = await deps.runs.getBatch(orgId, runId, batchKey);
  const settled = (found: BatchRecord | undefined) => {
    if (found?.source === 'upload' && found.state !== 'done') {
      throw conflict(`batch ${batchKey} is expected as an upload (${found.state}); post it there or use another batch number`);
    }
    if (found) sameContentOrConflict(found, hash);
    return found?.state === 'done' ? resultOf(found) : undefined;
  };
  const answered = settled(existing);
  if (answered) return answered;
  if (run.status !== 'running') {
    throw conflict(`run ${runId} is ${run.status}; it takes no more batches`, { status: run.status });
  }

  // The first claim's times are the batch's times, whatever a retry sends.
  const times = { startedAt: existing?.startedAt ?? batch.startedAt, endedAt: existing?.endedAt ?? batch.endedAt };
  const classified = classifyBatch({ ...batch, ...times }, run);
  const now = deps.clock.now();
  const fileKey = run.dryRun ? undefined : trackingFileKey(orgId, run.syncId, runId, batch.batchType, batch.batchNumber);
  const fields = boundedFields(classified.payloadFields);
  const claim: BatchRecord = {
    orgId,
    runId,
    batchKey,
    batchType: batch.batchType,
    batchNumber: batch.batchNumber,
    contentHash: hash,
    state: 'writing',
    source: 'inline',
    claimedAt: now.toISOString(),
    writeDeadline: deadlineAfter(now, INLINE_WRITE_DEADLINE_MS),
    startedAt: new Date(times.startedAt).toISOString(),
    endedAt: new Date(times.endedAt).toISOString(),
    counts: classified.counts,
    entityCounts: classified.entityCounts,
    ...(classified.maxEventDate ? { maxEventDate: classified.maxEventDate } : {}),
    payloadFields: fields.fields,
    ...(fields.truncated ? { payloadFieldsTruncated: true } : {}),
    finalFailures: finalFailuresOf(classified.rows),
    ...(fileKey ? { fileKey } : {}),
    createdAt: existing?.createdAt ?? now.toISOString(),
    expiresAt: run.expiresAt,
  };
  if (!existing && !(await deps.runs.claimBatch(claim))) existing = await deps.runs.getBatch(orgId, runId, batchKey);
  if (existing) {
    const again = settled(existing);
    if (again) return again;
    if (writerIsDead(existing, now, deps.config)) {
      // Same content, its writer gone: take the claim over, with a deadline of our own.
      if (!(await deps.runs.renewClaim(orgId, runId, batchKey, hash, claim.claimedAt!, claim.writeDeadline!))) {
        const latest = settled(await deps.runs.getBatch(orgId, runId, batchKey));
        if (latest) return latest;
        throw new DomainError('conflict', `batch ${batchKey} is being written; retry`);
      }
    } else {
      // Same content, its writer alive (a concurrent retry): write alongside it, under its claim;
      // the same file either way, and whichever counts first, counts.
      claim.claimedAt = existing.claimedAt;
      claim.writeDeadline = existing.writeDeadline;
    }
  }
  const ownsClaim = claim.claimedAt !== existing?.claimedAt;

  return commitBatch(
    deps,
    run,
    claim,
    {
      payloadFields: classified.payloadFields,
      writeFile: (key) => deps.files.writeRows(key, classified.rows, classified.payloadFields),
      // Dated by the batch, not by this attempt: every writer of it writes the very same items.
      dlqItems: async () => dlqItemsOf(classified.rows, run, claim.createdAt),
    },
    ownsClaim,
  );
}

export interface BatchWriter {
  /** Every payload field of the batch (the item keeps a bounded list). */
  payloadFields: FieldTypes;
  writeFile: (key: string) => Promise<number>;
  dlqItems: () => Promise<DlqItem[]>;
}

/**
 * The steps after a batch is validated, classified and claimed (`batch`, as stored),
 * shared by inline batches and converted uploads: tell the run (only while it runs), write
 * the parquet file, keep the payload schema current, write the file's Athena manifest,
 * count the batch, then write its dead-letter items. A crash anywhere heals on retry or at completion.
 */
export async function commitBatch(deps: Deps, run: Run, batch: BatchRecord, writer: BatchWriter, ownsClaim = true): Promise<BatchResult> {
  const { orgId, runId, batchKey } = batch;
  try {
    if (!(await deps.runs.announceBatch(orgId, runId))) {
      // Completed since we read it: nothing was written yet; take the claim back.
      await deps.runs.releaseBatch(orgId, runId, batchKey);
      throw conflict(`run ${runId} was completed before this batch was counted; it takes no more batches`);
    }
    if (Date.parse(batch.writeDeadline!) - WRITE_MARGIN_MS < deps.clock.now().getTime()) {
      throw new DomainError('conflict', `batch ${batchKey} took too long to write; retry it`);
    }
    // Dry runs count but keep no row-level data (Sync Tracking).
    const fileBytes = batch.fileKey ? await writer.writeFile(batch.fileKey) : undefined;
    if (batch.fileKey) {
      await notePayloadFields(deps, run, writer.payloadFields);
      // After the file, before the count: Athena never reads a file that is not there, and a
      // counted batch always has its manifest (a crash in between rolls forward and writes it).
      await deps.files.writeManifest(batch.fileKey);
    }
    const dlqPending = dlqPendingOf(run, batch);
    if (!(await deps.runs.markBatchDone(orgId, runId, batchKey, batch.claimedAt, deps.clock.now().toISOString(), fileBytes, dlqPending))) {
      // Counted by another (completion found our file), or taken over by a retry of the same
      // content, which writes the same file again and counts it.
      const current = await deps.runs.getBatch(orgId, runId, batchKey);
      if (current?.state !== 'done') throw new DomainError('conflict', `batch ${batchKey} is being written by a retry; retry it`);
      return resultOf(current);
    }
    if (dlqPending) await writeDeadLetters(deps, run, batch, writer.dlqItems);
    return resultOf(batch);
  } catch (error) {
    // A writer that failed rather than died gives its claim up now (not one it shares with a live writer).
    if (ownsClaim && !(error instanceof DomainError)) await deps.runs.expireClaim(orgId, runId, batchKey, batch.claimedAt!, deps.clock.now().toISOString()).catch(() => undefined);
    throw error;
  }
}

/** A counted batch of a run that keeps records owes dead-letter items when it has final failures (unknown on old items: look). */
export const dlqPendingOf = (run: Pick<Run, 'dryRun'>, batch: Pick<BatchRecord, 'finalFailures'>) => !run.dryRun && (batch.finalFailures ?? 1) > 0;

/** Stores a counted batch's dead-letter items (same ids on every retry), then says so. */
export async function writeDeadLetters(deps: Deps, run: Run, batch: BatchRecord, items: () => Promise<DlqItem[]>): Promise<void> {
  await deps.dlq.addItems(await items());
  await deps.runs.clearDlqPending(run.orgId, run.runId, batch.batchKey);
}

/** Adds fields and types the run does not list yet to its bounded list, and `metadata.json` with it. */
async function notePayloadFields(deps: Deps, run: Run, fields: FieldTypes): Promise<void> {
  if (run.payloadSchemaTruncated) return;
  const newFields = newFieldTypes(fields, run.payloadSchema);
  if (Object.keys(newFields).length === 0) return;
  const { schema, truncated } = await deps.runs.addPayloadFields(run.orgId, run.runId, newFields);
  // Concurrent batches may each write a view a step behind; completion writes the whole schema.
  await deps.files.writeJson(metadataKey(run.orgId, run.syncId, run.runId), metadataDocument({ ...run, payloadSchema: schema, payloadSchemaTruncated: truncated }));
}

/** What a run's done batches add up to: the run's counters while it runs, and at completion. */
export interface BatchTally {
  counts: BatchCounts;
  entityCounts: EntityCounts;
  batchCount: number;
  maxEventDate?: string;
}

export function tallyBatches(batches: BatchRecord[]): BatchTally {
  const counts = emptyCounts();
  const entityCounts: EntityCounts = {};
  let batchCount = 0;
  let maxEventDate: string | undefined;
  for (const batch of batches) {
    if (batch.state !== 'done') continue;
    batchCount += 1;
    for (const field of Object.keys(counts) as Array<keyof BatchCounts>) counts[field] += batch.counts[field] ?? 0;
    for (const [key, value] of Object.entries(batch.entityCounts ?? {})) entityCounts[key] = (entityCounts[key] ?? 0) + value;
    if (batch.maxEventDate && (!maxEventDate || batch.maxEventDate > maxEventDate)) maxEventDate = batch.maxEventDate;
  }
  return { counts, entityCounts, batchCount, ...(maxEventDate ? { maxEventDate } : {}) };
}

/** Entity types a finished run keeps counters for; the rest are added up under OTHER_ENTITY_TYPES. */
export const MAX_ENTITY_TYPES_PER_RUN = 100;
export const OTHER_ENTITY_TYPES = '(other)';

/** A run's entity counters, bounded: the types with the most records, the rest folded together. */
export function boundedEntityCounts(entityCounts: EntityCounts): EntityCounts {
  const typeOf = (key: string) => key.slice(0, key.lastIndexOf('|'));
  const received = new Map<string, number>();
  for (const [key, value] of Object.entries(entityCounts)) if (key.endsWith('|received')) received.set(typeOf(key), value);
  if (received.size <= MAX_ENTITY_TYPES_PER_RUN) return entityCounts;
  const kept = new Set(
    [...received.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_ENTITY_TYPES_PER_RUN - 1)
      .map(([type]) => type),
  );
  const bounded: EntityCounts = {};
  for (const [key, value] of Object.entries(entityCounts)) {
    const type = typeOf(key);
    const target = kept.has(type) ? key : `${OTHER_ENTITY_TYPES}${key.slice(type.length)}`;
    bounded[target] = (bounded[target] ?? 0) + value;
  }
  return bounded;
}
